import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Logger as PinoLogger } from 'pino'
import type { AppConfig } from '../config/env.js'
import { loadYamlFile } from '../config/load-yaml.js'
import { type Clock, ManualClock, systemClock } from '../core/clock.js'
import { NoRemoveRightError, QunbotError } from '../core/errors.js'
import type { Feature } from '../core/feature.js'
import { seededRandom } from '../core/random.js'
import type { RouteDefinition } from '../core/route.js'
import type { ConnectionStatus } from '../core/types.js'
import { type Db, openDatabase } from '../db/client.js'
import { commitOpenWindow } from '../db/commit-window.js'
import { createMembershipRepository } from '../db/membership-repository.js'
import { createFeatures } from '../features/index.js'
import { createLogger } from '../logging/create-logger.js'
import { registerSecret } from '../logging/secrets.js'
import { MediaScanner } from '../media/media-scanner.js'
import { createMediaStore } from '../media/media-store.js'
import { createChatOutbox } from '../outbox/chat-outbox.js'
import { WebhookDispatcher } from '../outbox/webhooks/webhook-dispatcher.js'
import type { SupervisorTimings } from '../platform/connection-supervisor.js'
import { PacedSender } from '../platform/paced-sender.js'
import type { ChatPlatform } from '../platform/port.js'
import { settle, waitQuiet } from '../platform/simulator/settle.js'
import { createSimRoutes } from '../platform/simulator/sim-routes.js'
import { type SimSnapshot, SimWorld } from '../platform/simulator/sim-world.js'
import { simWorldSchema } from '../platform/simulator/world-seed.js'
import { realPuppetFactory } from '../platform/wechaty/create-puppet.js'
import { routeLibraryLogs } from '../platform/wechaty/library-logs.js'
import { WechatyPlatform } from '../platform/wechaty/wechaty-platform.js'
import { BotRuntime } from '../runtime/bot-runtime.js'
import { DurableScheduler } from '../scheduler/durable-scheduler.js'
import { buildServer } from '../server/build-server.js'
import { createDailyBackup } from '../storage/backup-schedule.js'
import {
  DATABASE_FILE,
  privatePaths,
  SIM_WORLD_FILE,
  WECHATY_MEMORY_FILE,
  WECHATY_MEMORY_NAME,
} from '../storage/data-dir.js'
import { guardDatabase } from '../storage/database-guard.js'
import { acquireInstanceLock } from '../storage/instance-lock.js'
import {
  createPrivateFile,
  makePrivateDir,
  tightenModes,
  writePrivateFile,
} from '../storage/private-files.js'
import { VERSION } from '../version.js'
import { resolveAdminToken } from './admin-token.js'
import { startupMessage } from './app-messages.js'
import { createConfigRoutes } from './config-files/config-routes.js'
import { createConfigStore } from './config-files/config-store.js'
import { createConnectionRoute } from './connection-route.js'
import { createHealthRoutes } from './health-route.js'
import { JobBoard } from './job-board.js'
import { createMediaRoute } from './media-route.js'
import { createOutboxRoutes } from './outbox-routes.js'
import { createMetrics, createMetricsRoute, type QunbotMetrics } from './prometheus.js'

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** The operator console's static files, next to src/ and dist/. */
export const WEB_DIR = join(PACKAGE_ROOT, 'web')

/** The configured simulator world, or the packaged demo when qunbot runs outside its checkout. */
function simWorldFile(configured: string): string {
  return existsSync(configured) || configured !== './sim/world.yaml'
    ? configured
    : join(PACKAGE_ROOT, 'sim/world.yaml')
}

export interface QunbotOptions {
  config: AppConfig
  logger?: PinoLogger
  /** Load the simulator's demo world (sim/world.yaml); tests usually start empty. */
  seedWorld?: boolean
  /** The connection supervisor's timings, for tests of real-account outages. */
  connectionTimings?: Partial<SupervisorTimings>
  /**
   * Start on an empty database even when it is missing or zero bytes next to a previous run's
   * files (`qunbot start --fresh`); without it that start stops with QB_DB_LOST.
   */
  freshDatabase?: boolean
  /** The time zone of the daily backup time; the machine's by default. */
  timeZone?: string
}

export interface Simulator {
  world: SimWorld
  clock: ManualClock
  settle(): Promise<number>
  advance(ms: number): Promise<number>
}

export interface Qunbot {
  config: AppConfig
  adminToken: string
  adminTokenGenerated: boolean
  logger: PinoLogger
  db: Db
  clock: Clock
  platform: ChatPlatform
  sender: PacedSender
  runtime: BotRuntime
  /** Prometheus metrics, served at GET /metrics. */
  metrics: QunbotMetrics
  server: FastifyInstance
  /** The plug-ins, in pipeline order. */
  features: Feature[]
  /** Every HTTP route the server mounts (features' and the simulator's included). */
  routes: RouteDefinition[]
  /** Present when running with the mock puppet. */
  sim?: Simulator
  /** The daily automatic backup (undefined with QUNBOT_BACKUP=off); `whenIdle` waits for a run. */
  dailyBackup: { whenIdle(): Promise<void> } | undefined
  /** Where the platform connects (the gateway's address), for messages. */
  platformTarget: string
  /** Calls `listener` on every change of the account's connection. */
  onConnection(listener: (status: ConnectionStatus) => void): void
  start(): Promise<void>
  listen(): Promise<string>
  shutdown(): Promise<void>
}

/**
 * The composition root: builds every part from the config and wires them. Nothing else creates
 * the platform, the database or the server, so this is where to look to see how qunbot fits.
 */
export async function createQunbot(options: QunbotOptions): Promise<Qunbot> {
  const { config } = options
  // Before anything can log it, whichever logger is used.
  registerSecret(config.puppetService.token)
  const logger = options.logger ?? createLogger(config.logLevel)
  const storageLog = logger.child({ part: 'storage' })
  ensureWritableDir(config.dataDir)
  // Before anything in the data dir is created: a lost database is not a first start.
  const dbState = guardDatabase(config.dataDir, config.backup.dir, options.freshDatabase ?? false)
  if (dbState.kind === 'empty' || dbState.kind === 'missing')
    storageLog.warn({ database: dbState.database }, 'starting on an empty database on purpose (--fresh)')
  // Refuses (QB_DATA_DIR_IN_USE) when another live qunbot runs on this data dir.
  const lock = acquireInstanceLock(config.dataDir, Date.now())
  restrictDataFiles(config.dataDir, config.backup.dir, storageLog)
  routeLibraryLogs(logger.child({ part: 'wechaty' }))
  const { token: adminToken, generated } = resolveAdminToken(config.dataDir, config.adminToken)
  const db = openDatabase(join(config.dataDir, DATABASE_FILE))

  const isSim = config.puppet === 'mock'
  // Wechaty writes its session with the default mode; created private first, it stays private.
  if (!isSim) createPrivateFile(join(config.dataDir, WECHATY_MEMORY_FILE), '{}')
  const snapshotFile = join(config.dataDir, SIM_WORLD_FILE)
  const snapshot = isSim ? readSnapshot(snapshotFile) : undefined
  const seed =
    isSim && !snapshot ? loadYamlFile(simWorldFile(config.simWorldFile), simWorldSchema) : undefined
  const clock: Clock = isSim
    ? new ManualClock(snapshot ? snapshot.now + config.simDowntimeMs : Date.now())
    : systemClock
  const world = isSim ? new SimWorld(clock as ManualClock, seed?.bot.name ?? 'qunbot', snapshot) : undefined
  const platform = new WechatyPlatform({
    name: config.puppet,
    puppets: world
      ? { target: 'simulator', create: async () => world.puppet }
      : realPuppetFactory(
          config.puppet as 'service' | 'wechat4u',
          config.puppetService,
          logger.child({ part: 'wechaty' }),
        ),
    ...(world ? {} : { memoryName: join(config.dataDir, WECHATY_MEMORY_NAME) }),
    log: logger.child({ part: 'wechaty' }),
    clock,
    // The simulator's world never fails and its clock jumps: no probes, no start deadline.
    timings: world
      ? { probeAfterMs: 0, startTimeoutMs: 365 * 86_400_000 }
      : { maxBackoffMs: config.reconnectMaxMs, ...options.connectionTimings },
  })
  const chatOutbox = createChatOutbox(db)
  const sender = new PacedSender(
    chatOutbox,
    platform,
    clock,
    config.pacing,
    logger.child({ part: 'sender' }),
    isSim ? seededRandom(1) : Math.random,
  )
  const scheduler = new DurableScheduler(db, clock, logger.child({ part: 'scheduler' }), {
    graceMs: config.scheduleGraceMs,
  })
  const membershipRepo = createMembershipRepository(db)
  const jobs = new JobBoard(scheduler)
  const content = {
    sopDir: config.sopDir,
    kbDir: config.kbDir,
    handoffFile: config.handoffFile,
    moderationDir: config.moderationDir,
    privacyFile: config.privacyFile,
    analyticsFile: config.analyticsFile,
  }
  const mediaStore = createMediaStore(db)
  const media = new MediaScanner({
    store: mediaStore,
    now: () => clock.now(),
    fetch: (messageId, maxBytes) => {
      if (!platform.fetchMedia) return Promise.reject(new Error(`${platform.name} cannot fetch media`))
      return platform.fetchMedia(messageId, maxBytes)
    },
    maxBytes: config.media.maxBytes,
    timeoutMs: config.media.timeoutMs,
    log: logger.child({ part: 'media' }),
  })
  const features = createFeatures({
    media,
    clock,
    log: logger,
    sender,
    db,
    jobs,
    directory: {
      rooms: () => membershipRepo.listRooms(),
      activeMembers: (roomId) => membershipRepo.activeMembers(roomId),
    },
    groups: {
      removeMember: async (roomId, memberId) => {
        if (!platform.remove) throw new NoRemoveRightError(`${platform.name} cannot remove members`)
        // The violation that led here is on disk before the member is gone.
        commitOpenWindow(db.$client)
        await platform.remove(roomId, memberId)
      },
    },
    // The runtime is built after the features; this runs only once both exist.
    records: {
      flush: () => {
        runtime.messageLog.flush()
        for (const feature of features) feature.flush?.()
      },
    },
    connectionAlerts: {
      offlineAlertMs: config.offlineAlertMs,
      operatorsGroup: config.operatorsGroup,
      consoleUrl: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/`,
    },
    content,
  })
  // Read at scrape time only, after the runtime below exists.
  const metrics = createMetrics({
    version: VERSION,
    puppet: config.puppet,
    stats: () => runtime.stats,
    login: () => runtime.login(),
    connection: () => platform.connection(),
    reconnects: () => platform.supervisor.reconnectCount,
    offlineMs: () => platform.supervisor.offlineMs(),
    now: () => clock.now(),
    queueDepth: () => sender.queueDepth(),
  })
  sender.observe(metrics.sends)
  // Features that deliver webhooks expose their dispatcher (handoff does); count its attempts.
  for (const feature of features) {
    const dispatcher = (feature as { dispatcher?: unknown }).dispatcher
    if (!(dispatcher instanceof WebhookDispatcher)) continue
    for (const endpoint of dispatcher.endpointNames()) metrics.declareWebhookEndpoint(endpoint)
    dispatcher.observe(metrics.webhooks)
  }
  const runtime = new BotRuntime({
    db,
    clock,
    log: logger,
    platform,
    sender,
    features,
    staleMessageMs: config.staleMessageMs,
    reconcileIntervalMs: config.reconcileIntervalMs,
    // The whole pipeline only: timing every stage would add about a quarter to each message's time.
    onMessageTime: metrics.messageTime,
  })

  const dailyBackup = config.backup.enabled
    ? createDailyBackup(
        db.$client,
        {
          dir: config.backup.dir,
          time: config.backup.time,
          keep: config.backup.keep,
          timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
        },
        storageLog,
        (outcome) => metrics.backup(outcome.ok ? 'ok' : 'failed', outcome.at),
      )
    : undefined

  let sim: Simulator | undefined
  if (world) {
    const manual = clock as ManualClock
    const parts = { clock: manual, trackers: [world.inFlight, runtime.idle, media.idle], sender }
    manual.afterTimer = () => waitQuiet(parts, Date.now() + 15_000)
    const save = () => writeSnapshot(snapshotFile, world.snapshot())
    sim = {
      world,
      clock: manual,
      settle: async () => {
        const now = await settle(parts)
        save()
        return now
      },
      advance: async (ms) => {
        // Events injected before the call are handled at the time they happened, not after the jump.
        await waitQuiet(parts, Date.now() + 15_000)
        await manual.advance(ms)
        await waitQuiet(parts, Date.now() + 15_000)
        save()
        return manual.now()
      },
    }
  }

  const routes = [
    ...createHealthRoutes({
      puppet: config.puppet,
      simulated: isSim,
      login: () => runtime.login(),
      connection: () => platform.connection(),
      queueDepth: () => sender.queueDepth(),
    }),
    createConnectionRoute({ connection: () => platform.connection() }),
    createMetricsRoute(metrics),
    ...createOutboxRoutes({ outbox: chatOutbox, wake: () => sender.wake(), now: () => clock.now() }),
    createMediaRoute(mediaStore),
    ...createConfigRoutes(createConfigStore(db, content, clock)),
    ...features.flatMap((f) => f.routes ?? []),
    ...(sim
      ? createSimRoutes({
          world: sim.world,
          settle: sim.settle,
          advance: sim.advance,
          now: () => clock.now(),
        })
      : []),
  ]
  const server = await buildServer({
    logger,
    adminToken,
    staffTokens: config.staffTokens,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    routes,
    webDir: WEB_DIR,
    rateLimitPerMinute: config.httpRateLimitPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute,
    listenHost: config.host,
    allowedHosts: config.allowedHosts,
    beforeRespond: () => commitOpenWindow(db.$client),
  })

  let stopping: Promise<void> | undefined
  const app: Qunbot = {
    config,
    adminToken,
    adminTokenGenerated: generated,
    logger,
    db,
    clock,
    platform,
    sender,
    runtime,
    metrics,
    server,
    features,
    routes,
    ...(sim ? { sim } : {}),
    dailyBackup,
    platformTarget: platform.supervisor.target,
    onConnection: (listener) => platform.supervisor.onChange(listener),
    async start() {
      await runtime.start()
      await platform.start(world ? world.wrapSink(runtime.sink) : runtime.sink)
      if (world && sim) {
        world.login()
        await sim.settle()
        if (options.seedWorld && seed) {
          for (const room of seed.rooms) world.createRoom(room.topic, room.members)
          await sim.settle()
        }
      }
      if (dailyBackup) jobs.setJobs('storage', [dailyBackup.job])
      // After login: missed runs found now are sent (or held until login) in order.
      await scheduler.start()
      if (sim) await sim.settle()
    },
    async listen() {
      return server.listen({ host: config.host, port: config.port })
    },
    shutdown() {
      stopping ??= (async () => {
        await server.close()
        scheduler.stop()
        await runtime.stopIntake()
        // A scan under way may still warn or remove (and so send): before the sends drain.
        await media.stop()
        await drainSends(sender, config.shutdownDrainMs, isSim)
        sender.stop()
        // A send in flight finishes (and is marked sent) before the database closes; otherwise it
        // would be sent again after the restart.
        await Promise.race([sender.whenQuiet(), new Promise((r) => setTimeout(r, 5_000).unref())])
        await runtime.stop()
        await platform.stop().catch((error) => logger.warn({ err: error }, 'platform did not stop cleanly'))
        if (world) writeSnapshot(snapshotFile, world.snapshot())
        // A backup in progress finishes first: it reads through this connection.
        await dailyBackup?.whenIdle()
        db.$client.close()
        lock.release()
      })()
      return stopping
    },
  }
  return app
}

/** The data dir must take writes (database, token, session); say so at start, not at the first write. */
function ensureWritableDir(dir: string): void {
  const probe = join(dir, '.write-test')
  try {
    makePrivateDir(dir)
    writeFileSync(probe, '')
    unlinkSync(probe)
  } catch (error) {
    throw new QunbotError(
      'QB_DATA_DIR',
      `${startupMessage('data_dir', { dir: resolve(dir), reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message })}`,
    )
  }
}

function readSnapshot(file: string): SimSnapshot | undefined {
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SimSnapshot
  } catch (error) {
    throw new QunbotError(
      'QB_SIM_SNAPSHOT',
      `${file} is not a readable simulator snapshot (${(error as Error).message}); delete it to start a fresh world`,
    )
  }
}

/** Written to a temp file and renamed, so a crash mid-write never leaves half a snapshot. */
function writeSnapshot(file: string, snapshot: SimSnapshot): void {
  writePrivateFile(file, JSON.stringify(snapshot), { durable: false })
}

/**
 * Files of earlier versions (or copied in) may be readable by group and others: the data dir,
 * database, token, session, world and backups become the owner's only, logged once.
 */
function restrictDataFiles(dataDir: string, backupDir: string, log: PinoLogger): void {
  const { changed, problems } = tightenModes(privatePaths(dataDir, backupDir))
  if (changed.length > 0)
    log.warn({ changed }, 'data files were readable by other users; now readable by the owner only')
  if (problems.length > 0) log.warn({ problems }, 'could not make these data files private')
}

/**
 * Gives queued sends a bounded chance to go out before exit. Whatever is left stays in the
 * outbox and goes out after the next start; in the simulator time only moves when told, so
 * there is nothing to wait for.
 */
async function drainSends(sender: PacedSender, boundMs: number, simulated: boolean): Promise<void> {
  if (simulated || boundMs === 0) return
  const deadline = Date.now() + boundMs
  while (Date.now() < deadline && sender.queueDepth() > 0 && sender.isOnline) {
    await new Promise((r) => setTimeout(r, 100))
  }
}
