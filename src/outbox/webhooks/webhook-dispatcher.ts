import type { Clock, TimerHandle } from '../../core/clock.js'
import type { Logger } from '../../core/logger.js'
import { maskDeep } from '../../core/mask.js'
import { formatWebhookBody, type WebhookFormat } from './formatters.js'
import { PrivateAddressError, postWebhook, type Resolve, systemResolve } from './post-webhook.js'
import { signedHeaders } from './standard-webhooks.js'
import type { DeliveryRow, WebhookOutbox } from './webhook-outbox.js'

export interface WebhookEndpoint {
  name: string
  url: string
  /** Signing secret (`whsec_<base64>`, checked at load); chat-robot endpoints may have none. */
  secret?: string | undefined
  /** Event types this endpoint receives; `*` for all. */
  events: string[]
  /** Body shape: generic JSON, or a ready message for a WeCom, Feishu/Lark, DingTalk or Slack bot. */
  format?: WebhookFormat
  /**
   * Lets this endpoint reach loopback, private (RFC 1918, fc00::/7), link-local and other
   * non-public addresses, for a receiver on the LAN. Off by default: a URL that resolves inside
   * is a failed attempt.
   */
  allowPrivate?: boolean
}

/** One delivery attempt's result, for metrics: `retry` will be tried again, `dead` will not. */
export interface WebhookAttemptReport {
  endpoint: string
  outcome: 'delivered' | 'retry' | 'dead'
  /** The receiver's HTTP status, or null when the request failed (timeout, refused). */
  status: number | null
  durationMs: number
}

export type WebhookObserver = (report: WebhookAttemptReport) => void

export interface DispatcherOptions {
  /** Per-request timeout (real time). */
  timeoutMs?: number
  /** Waits between attempts; the delivery is dead-lettered after the last. */
  backoffMs?: number[]
  random?: () => number
  /** Link target for "open ticket" buttons in staff messages. */
  consoleUrl?: string
  /** Told about every attempt (metrics); more can be added with `observe`. */
  onAttempt?: WebhookObserver
  /** How host names are resolved (the system resolver; tests inject one). */
  resolve?: Resolve
}

/** About a day of attempts, in the spirit of the Standard Webhooks retry schedule. */
export const DEFAULT_BACKOFF_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]
const MAX_RETRY_AFTER_MS = 86_400_000

/**
 * Delivers queued webhooks, one at a time, until each is acknowledged with a 2xx: signed
 * Standard Webhooks headers with the same `webhook-id` on every attempt, a timeout per request,
 * exponential backoff with jitter on the injected clock, `Retry-After` honoured, and a dead letter
 * after the last attempt. Every attempt is logged. A crash mid-request only means that delivery is
 * sent again after the restart, under the same id, for the receiver to dedupe.
 */
export class WebhookDispatcher {
  private timer: TimerHandle | undefined
  private running = false
  private pumping: Promise<void> | undefined
  private again = false
  private readonly endpoints: Map<string, WebhookEndpoint>
  private readonly observers: WebhookObserver[] = []

  constructor(
    private readonly outbox: WebhookOutbox,
    endpoints: WebhookEndpoint[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: DispatcherOptions = {},
  ) {
    this.endpoints = new Map(endpoints.map((e) => [e.name, e]))
    if (options.onAttempt) this.observers.push(options.onAttempt)
  }

  /** Adds an observer of delivery attempts after construction (the app wires metrics this way). */
  observe(observer: WebhookObserver): void {
    this.observers.push(observer)
  }

  /** The configured endpoints' names. */
  endpointNames(): string[] {
    return [...this.endpoints.keys()]
  }

  /**
   * Queues `payload` for every endpoint that takes `eventType`; joins the caller's transaction.
   * Personal numbers in it are masked here, the one way out to staff systems.
   */
  publish(eventType: string, unmasked: unknown): string[] {
    const now = this.clock.now()
    const payload = maskDeep(unmasked)
    const ids: string[] = []
    for (const endpoint of this.endpoints.values()) {
      if (!endpoint.events.some((pattern) => eventMatches(pattern, eventType))) continue
      const body = JSON.stringify(
        formatWebhookBody(endpoint.format ?? 'json', eventType, payload, now, {
          ...(this.options.consoleUrl ? { consoleUrl: this.options.consoleUrl } : {}),
        }),
      )
      ids.push(this.outbox.enqueue(endpoint.name, eventType, body, now))
    }
    if (ids.length > 0) queueMicrotask(() => this.wake())
    return ids
  }

  start(): void {
    this.running = true
    this.wake()
  }

  stop(): void {
    this.running = false
    this.timer?.cancel()
  }

  /** Resolves when no delivery is in progress. */
  async whenQuiet(): Promise<void> {
    while (this.pumping) await this.pumping
  }

  wake(): void {
    if (!this.running) return
    if (this.pumping) {
      // A timer or a publish arrived mid-pass: look at the queue again when this pass ends.
      this.again = true
      return
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined
      if (this.again) {
        this.again = false
        this.wake()
      }
    })
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (!this.running) return
      const batch = this.outbox.due(this.clock.now())
      if (batch.length === 0) break
      for (const delivery of batch) await this.attempt(delivery)
    }
    const next = this.outbox.nextDueAt()
    this.timer?.cancel()
    if (next !== undefined && this.running) {
      this.timer = this.clock.setTimeout(() => this.wake(), Math.max(0, next - this.clock.now()))
    }
  }

  private async attempt(delivery: DeliveryRow): Promise<void> {
    const endpoint = this.endpoints.get(delivery.endpoint)
    const n = delivery.attempts + 1
    const now = this.clock.now()
    if (!endpoint) {
      this.outbox.markDead(delivery.id, n, `endpoint "${delivery.endpoint}" is no longer configured`)
      this.report({ endpoint: delivery.endpoint, outcome: 'dead', status: null, durationMs: 0 })
      return
    }
    const started = performance.now()
    let status: number | null = null
    let error: string | null = null
    let retryAfterMs: number | undefined
    try {
      // node:http through postWebhook, not fetch: its socket connects to the address the
      // private-address check saw (see post-webhook.ts), and it never follows a redirect, which
      // would re-post the signed body to wherever the receiver points.
      const response = await postWebhook(endpoint.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'qunbot-webhooks',
          ...(endpoint.secret
            ? signedHeaders(endpoint.secret, delivery.id, Math.floor(now / 1000), delivery.body)
            : {}),
        },
        body: delivery.body,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        allowPrivate: endpoint.allowPrivate === true,
        resolve: this.options.resolve ?? systemResolve,
      })
      status = response.status
      retryAfterMs = parseRetryAfter(response.header('retry-after') ?? null, now)
      if (status >= 300 && status < 400)
        error = `HTTP ${status} redirect to ${response.header('location') ?? '(no Location)'} not followed`
      else if (status < 200 || status >= 300) error = `HTTP ${status}`
    } catch (e) {
      error =
        e instanceof PrivateAddressError
          ? e.message
          : e instanceof Error
            ? `${e.name}: ${e.message}`
            : String(e)
    }
    const at = this.clock.now()
    const durationMs = performance.now() - started
    this.outbox.logAttempt(delivery.id, n, at, status, error, durationMs)
    const report = (outcome: WebhookAttemptReport['outcome']) =>
      this.report({ endpoint: endpoint.name, outcome, status, durationMs })
    if (error === null) {
      this.outbox.markDelivered(delivery.id, n, at)
      report('delivered')
      this.log.info(
        { webhookId: delivery.id, endpoint: endpoint.name, event: delivery.eventType, attempt: n },
        'webhook delivered',
      )
      return
    }
    const schedule = this.options.backoffMs ?? DEFAULT_BACKOFF_MS
    const wait = schedule[n - 1]
    if (wait === undefined || status === 410) {
      this.outbox.markDead(delivery.id, n, error)
      report('dead')
      this.log.error(
        { webhookId: delivery.id, endpoint: endpoint.name, attempts: n, error },
        'webhook dead-lettered',
      )
      return
    }
    const jitter = 0.8 + 0.4 * (this.options.random ?? Math.random)()
    const next = at + Math.max(Math.round(wait * jitter), retryAfterMs ?? 0)
    this.outbox.reschedule(delivery.id, n, next, error)
    report('retry')
    this.log.warn(
      { webhookId: delivery.id, endpoint: endpoint.name, attempt: n, error, retryAt: next },
      'webhook failed; will retry',
    )
  }

  private report(report: WebhookAttemptReport): void {
    for (const observer of this.observers) {
      try {
        observer(report)
      } catch (error) {
        this.log.warn({ err: error }, 'webhook observer failed')
      }
    }
  }
}

/** `Retry-After` as seconds or an HTTP date, capped at a day; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined
}

/** `*` takes every event, `bot.*` every event of that family, anything else exactly one. */
export function eventMatches(pattern: string, eventType: string): boolean {
  if (pattern === '*' || pattern === eventType) return true
  return pattern.endsWith('.*') && eventType.startsWith(pattern.slice(0, -1))
}
