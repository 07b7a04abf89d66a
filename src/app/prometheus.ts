import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { defineRoute, type RouteDefinition } from '../core/route.js'
import type { ConnectionState, ConnectionStatus, LoginState, LoginStatus } from '../core/types.js'
import type { WebhookObserver } from '../outbox/webhooks/webhook-dispatcher.js'
import type { SendObserver, SendOutcome } from '../platform/paced-sender.js'
import type { RuntimeStats } from '../runtime/bot-runtime.js'

/** What the metrics read at scrape time. */
export interface MetricsSource {
  version: string
  puppet: string
  stats(): RuntimeStats
  login(): LoginStatus
  /** The connection supervisor's state, reconnections and time offline. */
  connection(): ConnectionStatus
  reconnects(): number
  offlineMs(): number
  /** The app's clock (the simulator's is not the wall clock). */
  now(): number
  queueDepth(): number
}

export interface QunbotMetrics {
  /** The app's own metrics (not prom-client's global registry: several apps can share a process). */
  registry: Registry
  /** For BotRuntime's `onMessageTime`: one message's time through the pipeline. */
  messageTime(ms: number): void
  /** For `PacedSender.observe`. */
  sends: SendObserver
  /** For `WebhookDispatcher.observe`. */
  webhooks: WebhookObserver
  /** For the daily automatic backup: one per run, with its (fire) time. */
  backup(outcome: 'ok' | 'failed', atMs: number): void
  /** Makes an endpoint's series exist at 0 before its first attempt, so alerts see the first one. */
  declareWebhookEndpoint(name: string): void
  contentType: string
  /** The exposition text: the process's metrics, then qunbot's. */
  render(): Promise<string>
}

/** Seconds; the pipeline takes tens of microseconds per message, a slow stage or commit milliseconds. */
export const PIPELINE_BUCKETS = [
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5,
]
/** Seconds; the default pacing waits 2-3 s between sends, the breaker a minute or more. */
export const PACING_BUCKETS = [0.1, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600]

const LOGIN_STATES: LoginState[] = ['starting', 'scan', 'logged_in', 'logged_out']
const CONNECTION_STATES: ConnectionState[] = ['starting', 'login_required', 'online', 'offline']
const SEND_OUTCOMES: SendOutcome[] = ['sent', 'retried', 'held', 'throttled', 'dead']
const WEBHOOK_OUTCOMES = ['delivered', 'retry', 'dead'] as const

let processRegistry: Registry | undefined

/**
 * Process metrics (CPU, memory, heap, event-loop lag, GC) describe the process, not an app, and
 * prom-client's collectors for them start monitors that are never stopped: one set per process.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/**
 * qunbot's Prometheus metrics. Counters the runtime already keeps (messages by outcome, answers)
 * are read from its stats at scrape time, so the message path pays only for the pipeline
 * histogram; sends and webhook attempts are counted through their observers.
 */
export function createMetrics(source: MetricsSource): QunbotMetrics {
  const registry = new Registry()
  const registers = [registry]

  new Gauge({
    name: 'qunbot_build_info',
    help: 'Always 1; the labels say which qunbot runs on which puppet',
    labelNames: ['version', 'puppet'],
    registers,
  }).set({ version: source.version, puppet: source.puppet }, 1)

  const messages: Counter<'outcome'> = new Counter({
    name: 'qunbot_messages_total',
    help: 'Inbound messages by outcome: accepted, or dropped as sent by the bot itself (dropped_self), a repeat (dropped_duplicate) or too old on arrival (dropped_stale)',
    labelNames: ['outcome'],
    registers,
    collect() {
      const { accepted, dropped } = source.stats()
      messages.reset()
      messages.inc({ outcome: 'accepted' }, accepted)
      for (const [reason, n] of Object.entries(dropped)) messages.inc({ outcome: `dropped_${reason}` }, n)
    },
  })
  const answered: Counter = new Counter({
    name: 'qunbot_messages_answered_total',
    help: 'Messages the bot answered in the group',
    registers,
    collect() {
      answered.reset()
      answered.inc(source.stats().answered)
    },
  })
  const unanswered: Counter = new Counter({
    name: 'qunbot_unanswered_mentions_total',
    help: 'Messages that mentioned the bot and got no answer from any feature',
    registers,
    collect() {
      unanswered.reset()
      unanswered.inc(source.stats().unansweredMentions)
    },
  })
  const stageErrors: Counter = new Counter({
    name: 'qunbot_stage_errors_total',
    help: 'Pipeline stages that threw (the message went on to the next stage; see the log)',
    registers,
    collect() {
      stageErrors.reset()
      stageErrors.inc(source.stats().stageErrors)
    },
  })
  const pipeline = new Histogram({
    name: 'qunbot_pipeline_seconds',
    help: 'Time of one accepted inbound message through the whole pipeline (guard, record, features)',
    buckets: PIPELINE_BUCKETS,
    registers,
  })

  const queueDepth: Gauge = new Gauge({
    name: 'qunbot_send_queue_depth',
    help: 'Chat message chunks queued to send (pending or in flight)',
    registers,
    collect() {
      queueDepth.set(source.queueDepth())
    },
  })
  const sends = new Counter({
    name: 'qunbot_sends_total',
    help: 'Chat send attempts by outcome: sent, retried (failed; queued again), held (not connected; queued again without counting an attempt), throttled (the platform said too frequent; all sends pause), dead (dead-lettered)',
    labelNames: ['outcome'],
    registers,
  })
  for (const outcome of SEND_OUTCOMES) sends.inc({ outcome }, 0)
  const pacing = new Histogram({
    name: 'qunbot_pacing_wait_seconds',
    help: 'How long each sent chunk waited, while online, after it was due: send gap and jitter, per-minute cap, breaker, sends ahead of it',
    buckets: PACING_BUCKETS,
    registers,
  })

  const webhooks = new Counter({
    name: 'qunbot_webhook_deliveries_total',
    help: 'Webhook delivery attempts by endpoint and outcome: delivered, retry (will be tried again), dead (given up)',
    labelNames: ['endpoint', 'outcome'],
    registers,
  })

  const backups = new Counter({
    name: 'qunbot_backups_total',
    help: 'Daily automatic backups by outcome: ok (written and verified), failed (logged; tried again the next day)',
    labelNames: ['outcome'],
    registers,
  })
  for (const outcome of ['ok', 'failed']) backups.inc({ outcome }, 0)
  const lastBackup = new Gauge({
    name: 'qunbot_last_backup_timestamp_seconds',
    help: 'When the last successful automatic backup was taken, in Unix seconds (0 before the first in this process)',
    registers,
  })

  const loginState: Gauge<'state'> = new Gauge({
    name: 'qunbot_login_state',
    help: 'Login state of the account: 1 for the current state, 0 for the others',
    labelNames: ['state'],
    registers,
    collect() {
      const current = source.login().state
      for (const state of LOGIN_STATES) loginState.set({ state }, state === current ? 1 : 0)
    },
  })
  const loggedIn: Gauge = new Gauge({
    name: 'qunbot_logged_in',
    help: '1 while the account is logged in and can send, else 0',
    registers,
    collect() {
      loggedIn.set(source.login().state === 'logged_in' ? 1 : 0)
    },
  })

  const connected: Gauge = new Gauge({
    name: 'qunbot_connected',
    help: '1 while the account is logged in and its gateway connection is up, else 0',
    registers,
    collect() {
      connected.set(source.connection().state === 'online' ? 1 : 0)
    },
  })
  const connectionState: Gauge<'state'> = new Gauge({
    name: 'qunbot_connection_state',
    help: 'Connection state: 1 for the current one of starting, login_required, online, offline',
    labelNames: ['state'],
    registers,
    collect() {
      const current = source.connection().state
      for (const state of CONNECTION_STATES) connectionState.set({ state }, state === current ? 1 : 0)
    },
  })
  const reconnects: Counter = new Counter({
    name: 'qunbot_reconnects_total',
    help: 'Times the connection came back (logged in again) after an outage',
    registers,
    collect() {
      reconnects.reset()
      reconnects.inc(source.reconnects())
    },
  })
  const offlineNow: Gauge = new Gauge({
    name: 'qunbot_offline_seconds',
    help: 'Seconds the current outage has lasted (0 while connected)',
    registers,
    collect() {
      const since = source.connection().offlineSince
      offlineNow.set(since === undefined ? 0 : Math.max(0, (source.now() - since) / 1000))
    },
  })
  const offlineTotal: Counter = new Counter({
    name: 'qunbot_offline_seconds_total',
    help: 'Seconds spent offline since the process started, the current outage included',
    registers,
    collect() {
      offlineTotal.reset()
      offlineTotal.inc(source.offlineMs() / 1000)
    },
  })

  const exposed = Registry.merge([processMetrics(), registry])
  return {
    registry,
    messageTime: (ms) => pipeline.observe(ms / 1000),
    sends: {
      attempt: (outcome) => sends.inc({ outcome }),
      pacingWait: (ms) => pacing.observe(ms / 1000),
    },
    webhooks: (report) => webhooks.inc({ endpoint: report.endpoint, outcome: report.outcome }),
    backup(outcome, atMs) {
      backups.inc({ outcome })
      if (outcome === 'ok') lastBackup.set(atMs / 1000)
    },
    declareWebhookEndpoint(endpoint) {
      for (const outcome of WEBHOOK_OUTCOMES) webhooks.inc({ endpoint, outcome }, 0)
    },
    contentType: exposed.contentType,
    render: () => exposed.metrics(),
  }
}

/**
 * `GET /metrics` in the Prometheus text format. Not public: it takes the admin token or
 * QUNBOT_METRICS_TOKEN, a token that opens nothing else, for the scraper to hold.
 */
export function createMetricsRoute(metrics: Pick<QunbotMetrics, 'render' | 'contentType'>): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics',
    auth: 'metrics',
    handler: async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.render() }),
  })
}
