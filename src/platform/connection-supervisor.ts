import type { Clock, TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { ConnectionStatus, Member } from '../core/types.js'
import {
  type ClassifiedError,
  type ConnectionErrorCode,
  classifyConnectionError,
} from './connection-errors.js'
import { connectionMessage } from './connection-messages.js'

/** What one connection attempt reports to its supervisor. Calls from a replaced attempt are ignored. */
export interface ConnectionHandlers {
  /** The gateway waits for a QR scan; `qrcode` is the payload to show, when it sent one. */
  scan(qrcode: string | undefined): void
  login(user: Member): void
  logout(): void
  /** Any sign of life from the gateway: a heartbeat, an event, an answer to a probe. */
  alive(): void
  /** Something failed; the supervisor decides whether it means the connection is gone. */
  failed(error: unknown): void
}

/** One live attempt: built by the connector, closed by the supervisor when it is replaced. */
export interface Connection {
  /** Asks the gateway for a sign of life; the answer arrives as `alive()`. */
  probe(): Promise<void>
  close(): Promise<void>
}

export interface Connector {
  /** Where it connects, for messages ("127.0.0.1:8788"). */
  readonly target: string
  open(handlers: ConnectionHandlers): Promise<Connection>
  /**
   * A cheap check whether the gateway's address answers at all (a TCP connect). While a long
   * backoff runs, the supervisor asks it every `reachabilityPollMs`; when an address that did not
   * answer starts answering, it reconnects at once instead of waiting out the backoff.
   */
  reachable?(): Promise<boolean>
  /** The connector's own words for a failure, where the general ones would mislead. */
  hint?(code: ConnectionErrorCode): string | undefined
}

export interface SupervisorTimings {
  /** The first retry waits this long; each failed retry doubles it, up to `maxBackoffMs`. */
  initialBackoffMs: number
  maxBackoffMs: number
  /** Neither a QR code nor a login within this after connecting: try again. */
  startTimeoutMs: number
  /** Silence this long while connected: probe the gateway. 0 turns probing off (the simulator). */
  probeAfterMs: number
  /** No sign of life this long after a probe: the connection is dead. */
  probeTimeoutMs: number
  /** A replaced connection gets this long to close before it is abandoned. */
  closeTimeoutMs: number
  /** How often a backoff wait asks the connector whether the gateway answers again. */
  reachabilityPollMs: number
}

export const DEFAULT_TIMINGS: SupervisorTimings = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  startTimeoutMs: 60_000,
  probeAfterMs: 30_000,
  probeTimeoutMs: 15_000,
  closeTimeoutMs: 10_000,
  reachabilityPollMs: 2_000,
}

export type ConnectionListener = (status: ConnectionStatus) => void

/**
 * Owns one account's connection for as long as the process runs: opens it, watches it (errors
 * that mean "not connected", no login or QR after connecting, silence that a probe does not
 * break) and replaces it with a fresh one after a capped exponential backoff with jitter, for as
 * long as it takes. A gateway failure never ends the process. It publishes one ConnectionStatus
 * that the sender, health, metrics, alerts and the console read; features never see a restart.
 */
export class ConnectionSupervisor {
  private status: ConnectionStatus
  private readonly listeners: ConnectionListener[] = []
  /** Bumped for every attempt: handlers of an older attempt see a different number and do nothing. */
  private generation = 0
  private connection: Connection | undefined
  private failures = 0
  private timer: TimerHandle | undefined
  /** The armed timer is the silence timer (so a sign of life need not re-arm it). */
  private silenceArmed = false
  private reachTimer: TimerHandle | undefined
  private lastAliveAt = 0
  private probing = false
  private stopped = false
  private readonly closing = new Set<Promise<void>>()
  /** The cause last written at warn level in this outage; the same cause again is not repeated. */
  private loggedCause: ConnectionErrorCode | undefined
  private reconnects = 0
  private offlineMsTotal = 0

  constructor(
    private readonly connector: Connector,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly timings: SupervisorTimings = DEFAULT_TIMINGS,
    private readonly random: () => number = Math.random,
  ) {
    this.status = { state: 'starting', since: clock.now(), restarts: 0 }
  }

  current(): ConnectionStatus {
    return this.status
  }

  /** Where the connector connects, for messages. */
  get target(): string {
    return this.connector.target
  }

  /** Successful reconnections (online again after an outage) since start. */
  get reconnectCount(): number {
    return this.reconnects
  }

  /** Milliseconds spent offline since start, the current outage included. */
  offlineMs(): number {
    const since = this.status.offlineSince
    return this.offlineMsTotal + (since === undefined ? 0 : this.clock.now() - since)
  }

  onChange(listener: ConnectionListener): void {
    this.listeners.push(listener)
  }

  /** Opens the first connection; resolves when that attempt has been made, whatever its outcome. */
  start(): Promise<void> {
    this.stopped = false
    return this.connect()
  }

  /**
   * A send failed in a way that suggests the connection is gone. While believed online, probe
   * now instead of waiting for the silence timer.
   */
  suspect(): void {
    if (this.status.state === 'online' && !this.probing) this.probe(this.generation)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.generation++
    this.timer?.cancel()
    this.silenceArmed = false
    this.timer = undefined
    this.reachTimer?.cancel()
    this.reachTimer = undefined
    const open = this.connection
    this.connection = undefined
    if (open) this.closeQuietly(open)
    await Promise.all([...this.closing])
  }

  private async connect(): Promise<void> {
    this.reachTimer?.cancel()
    this.reachTimer = undefined
    const generation = ++this.generation
    const handlers = this.handlersFor(generation)
    this.armTimer(this.timings.startTimeoutMs, () =>
      this.fail(generation, { code: 'start_timeout', connection: true, message: 'no login or QR code' }),
    )
    try {
      const connection = await this.connector.open(handlers)
      if (generation !== this.generation || this.stopped) {
        this.closeQuietly(connection)
        return
      }
      this.connection = connection
    } catch (error) {
      // An attempt that could not even be built failed, whatever the error says.
      this.fail(generation, { ...classifyConnectionError(error), connection: true })
    }
  }

  private handlersFor(generation: number): ConnectionHandlers {
    const live = () => generation === this.generation && !this.stopped
    return {
      scan: (qrcode) => {
        if (!live()) return
        const now = this.clock.now()
        const sameQr = this.status.state === 'login_required' && this.status.qrcode === qrcode
        if (sameQr) {
          this.noteAlive(generation)
          return
        }
        this.setStatus({
          state: 'login_required',
          since: this.status.state === 'login_required' ? this.status.since : now,
          ...(qrcode ? { qrcode, qrcodeAt: now } : {}),
        })
        // After the state change: a QR code proves the attempt started, so the start deadline
        // gives way to probing.
        this.noteAlive(generation)
        if (qrcode) {
          this.log.warn({ qrcode }, connectionMessage('login_required'))
        }
      },
      login: (user) => {
        if (!live()) return
        const wasOffline = this.status.offlineSince
        const attempts = this.failures
        this.failures = 0
        this.loggedCause = undefined
        const now = this.clock.now()
        if (wasOffline !== undefined) {
          this.offlineMsTotal += now - wasOffline
          this.reconnects++
          this.log.info(
            { offlineMs: now - wasOffline, attempts },
            connectionMessage('reconnected', { offlineFor: seconds(now - wasOffline), attempts }),
          )
        } else {
          this.log.info({ user: user.name }, connectionMessage('online', { user: user.name }))
        }
        this.setStatus({ state: 'online', since: now, user })
        this.noteAlive(generation)
      },
      logout: () => {
        if (!live()) return
        // The gateway is up but the account is not: a person has to scan the QR code that
        // follows. Probing goes on, so a gateway that dies meanwhile is still noticed.
        this.setStatus({ state: 'login_required', since: this.clock.now() })
        this.noteAlive(generation)
      },
      alive: () => {
        if (live()) this.noteAlive(generation)
      },
      failed: (error) => {
        if (!live()) return
        const classified = classifyConnectionError(error)
        // Errors about one thing (a payload, a message) leave the connection alone; the adapter
        // logs those itself.
        if (!classified.connection) return
        this.fail(generation, classified)
      },
    }
  }

  /** Replaces the connection after a backoff: the single path every failure takes. */
  private fail(generation: number, cause: ClassifiedError): void {
    if (generation !== this.generation || this.stopped) return
    this.generation++
    const old = this.connection
    this.connection = undefined
    if (old) this.closeQuietly(old)
    const now = this.clock.now()
    const base = Math.min(this.timings.initialBackoffMs * 2 ** this.failures, this.timings.maxBackoffMs)
    const delay = Math.round(base * (0.5 + this.random() / 2))
    this.failures++
    const offlineSince = this.status.offlineSince ?? now
    const values = {
      reason:
        this.connector.hint?.(cause.code) ?? connectionMessage(cause.code, { target: this.connector.target }),
      detail: cause.message,
      retryIn: seconds(delay),
      offlineFor: seconds(now - offlineSince),
    }
    // One warning per outage and cause: a gateway down for an hour writes its cause once, and
    // again only when the cause changes (say, from unreachable to a refused token).
    if (this.loggedCause !== cause.code) {
      this.loggedCause = cause.code
      const key = this.status.state === 'offline' ? 'retry_failed' : 'lost'
      this.log.warn({ code: cause.code, retryInMs: delay }, connectionMessage(key, values))
    } else {
      this.log.debug({ code: cause.code, retryInMs: delay }, connectionMessage('retry_failed', values))
    }
    this.setStatus({
      state: 'offline',
      since: this.status.state === 'offline' ? this.status.since : now,
      offlineSince,
      lastError: { code: cause.code, message: cause.message, at: now },
      nextRetryAt: now + delay,
      restarts: this.status.restarts + 1,
    })
    this.armTimer(delay, () => {
      if (!this.stopped) void this.connect()
    })
    if (delay > this.timings.reachabilityPollMs) this.watchReachability(this.generation)
  }

  /**
   * During a backoff wait: once the gateway's address has been seen not answering, the first time
   * it answers again ends the wait. Seeing it answer all along (a refused token, a broken
   * gateway) changes nothing, so a gateway that is up but failing is not hammered.
   */
  private watchReachability(generation: number): void {
    const check = this.connector.reachable?.bind(this.connector)
    if (!check) return
    let sawDown = false
    const poll = () => {
      this.reachTimer = this.clock.setTimeout(() => {
        this.reachTimer = undefined
        check().then(
          (up) => {
            if (generation !== this.generation || this.stopped) return
            if (up && sawDown) {
              this.log.debug('the gateway answers again; reconnecting now')
              this.timer?.cancel()
              this.timer = undefined
              void this.connect()
              return
            }
            if (!up) sawDown = true
            poll()
          },
          () => {
            if (generation === this.generation && !this.stopped) poll()
          },
        )
      }, this.timings.reachabilityPollMs)
    }
    poll()
  }

  private noteAlive(generation: number): void {
    this.lastAliveAt = this.clock.now()
    this.probing = false
    const connected = this.status.state === 'online' || this.status.state === 'login_required'
    if (!connected) return
    if (this.timings.probeAfterMs === 0) {
      // Connected and not probing: no deadline left to keep.
      this.timer?.cancel()
      this.timer = undefined
      this.silenceArmed = false
      return
    }
    // Every message is a sign of life: while the silence timer is armed, noting the time is
    // enough, and the timer, when it fires, waits again for what is left of the silence.
    if (this.silenceArmed) return
    this.armSilence(generation, this.timings.probeAfterMs)
  }

  private armSilence(generation: number, ms: number): void {
    this.armTimer(ms, () => {
      const quietFor = this.clock.now() - this.lastAliveAt
      if (quietFor < this.timings.probeAfterMs)
        this.armSilence(generation, this.timings.probeAfterMs - quietFor)
      else this.probe(generation)
    })
    this.silenceArmed = true
  }

  private probe(generation: number): void {
    if (generation !== this.generation || this.stopped || this.timings.probeAfterMs === 0) return
    const connection = this.connection
    const askedAt = this.clock.now()
    this.probing = true
    this.armTimer(this.timings.probeTimeoutMs, () => {
      if (this.lastAliveAt < askedAt)
        this.fail(generation, {
          code: 'no_heartbeat',
          connection: true,
          message: `no answer ${seconds(this.timings.probeTimeoutMs)} s after a probe`,
        })
    })
    connection?.probe().catch((error) => {
      const classified = classifyConnectionError(error)
      // Any failure to even ask means the connection is not usable.
      this.fail(
        generation,
        classified.connection ? classified : { ...classified, code: 'no_heartbeat', connection: true },
      )
    })
  }

  private armTimer(ms: number, fn: () => void): void {
    this.silenceArmed = false
    this.timer?.cancel()
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      fn()
    }, ms)
  }

  private closeQuietly(connection: Connection): void {
    const closing = Promise.race([
      connection.close().catch((error) => {
        this.log.debug({ err: error }, 'closing a replaced connection failed')
      }),
      // A close that hangs (a gateway that never answers) is abandoned, never awaited for ever.
      new Promise<void>((resolve) => setTimeout(resolve, this.timings.closeTimeoutMs).unref()),
    ]).finally(() => this.closing.delete(closing))
    this.closing.add(closing)
  }

  private setStatus(next: Omit<ConnectionStatus, 'restarts'> & { restarts?: number }): void {
    const previous = this.status
    this.status = {
      ...next,
      restarts: next.restarts ?? previous.restarts,
      // An outage lasts until the next login, through starting and QR states.
      ...(next.state !== 'online' && previous.offlineSince !== undefined && next.offlineSince === undefined
        ? { offlineSince: previous.offlineSince }
        : {}),
      ...(next.state !== 'online' && next.state !== 'offline' && previous.lastError && !next.lastError
        ? { lastError: previous.lastError }
        : {}),
    }
    for (const listener of this.listeners) {
      try {
        listener(this.status)
      } catch (error) {
        this.log.warn({ err: error }, 'connection listener failed')
      }
    }
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10
}
