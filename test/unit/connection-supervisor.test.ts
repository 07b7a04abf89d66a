import { beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import type { Logger } from '../../src/core/logger.js'
import type { ConnectionStatus, Member } from '../../src/core/types.js'
import {
  type Connection,
  type ConnectionHandlers,
  ConnectionSupervisor,
  type Connector,
  type SupervisorTimings,
} from '../../src/platform/connection-supervisor.js'

const UNREACHABLE = '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED'
const UNAUTHENTICATED = '16 UNAUTHENTICATED: Invalid Wechaty TOKEN "x"'
const PAYLOAD = '2 UNKNOWN: Error: no payload found for id x'

const user: Member = { id: 'wxid_bot', name: 'Bot' }

const timings: SupervisorTimings = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 10_000,
  startTimeoutMs: 60_000,
  probeAfterMs: 30_000,
  probeTimeoutMs: 15_000,
  closeTimeoutMs: 50,
  reachabilityPollMs: 2_000,
}

type ProbeBehaviour = 'silent' | 'alive' | { reject: unknown }

class FakeConnection implements Connection {
  probes = 0
  closes = 0
  probeBehaviour: ProbeBehaviour = 'silent'

  constructor(private readonly handlers: ConnectionHandlers) {}

  async probe(): Promise<void> {
    this.probes++
    const behaviour = this.probeBehaviour
    if (behaviour === 'alive') this.handlers.alive()
    else if (behaviour !== 'silent') throw behaviour.reject
  }

  async close(): Promise<void> {
    this.closes++
  }
}

interface Attempt {
  /** Clock time when open() was called. */
  at: number
  handlers: ConnectionHandlers
  connection: FakeConnection
  /** Whether open() rejected for this attempt. */
  rejected: boolean
}

/** Records every attempt; rejects when told to; can hold open() until released. */
class FakeConnector implements Connector {
  readonly target = '127.0.0.1:8788'
  readonly attempts: Attempt[] = []
  /** Errors for the next opens, one each, before `rejectAll`. */
  readonly rejectNext: unknown[] = []
  /** When set, every open() rejects with it. */
  rejectAll: unknown
  /** When set, open() waits for it before answering. */
  gate: Promise<void> | undefined
  /** Called with each attempt that opened, e.g. to schedule events on it. */
  onOpen: ((attempt: Attempt) => void) | undefined
  /** The probe behaviour given to new connections. */
  probeBehaviour: ProbeBehaviour = 'silent'
  /** Answers of reachable(), in order (the last one repeats). */
  reachability: boolean[] = []
  reachableCalls = 0
  /** Present only once a test gives answers, as a connector without the check has none. */
  reachable: (() => Promise<boolean>) | undefined

  answerReachability(answers: boolean[]): void {
    this.reachability = answers
    this.reachableCalls = 0
    this.reachable = async () =>
      this.reachability[Math.min(this.reachableCalls++, this.reachability.length - 1)] ?? false
  }

  constructor(private readonly clock: ManualClock) {}

  async open(handlers: ConnectionHandlers): Promise<Connection> {
    const connection = new FakeConnection(handlers)
    connection.probeBehaviour = this.probeBehaviour
    const attempt: Attempt = { at: this.clock.now(), handlers, connection, rejected: false }
    this.attempts.push(attempt)
    if (this.gate) await this.gate
    const error = this.rejectNext.length > 0 ? this.rejectNext.shift() : this.rejectAll
    if (error !== undefined) {
      attempt.rejected = true
      throw error
    }
    this.onOpen?.(attempt)
    return connection
  }

  get last(): Attempt {
    const attempt = this.attempts.at(-1)
    if (!attempt) throw new Error('no attempt yet')
    return attempt
  }
}

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  obj: object | string
  msg: string | undefined
}

function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg })
    }
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  }
  return logger
}

describe('ConnectionSupervisor', () => {
  let clock: ManualClock
  let connector: FakeConnector
  let lines: LogLine[]
  let changes: ConnectionStatus[]

  const make = (overrides: Partial<SupervisorTimings> = {}, random: () => number = () => 1) => {
    const supervisor = new ConnectionSupervisor(
      connector,
      clock,
      recordingLogger(lines),
      { ...timings, ...overrides },
      random,
    )
    supervisor.onChange((status) => changes.push(status))
    return supervisor
  }

  const levels = (level: LogLine['level']) => lines.filter((l) => l.level === level)

  /** Fires the next pending timer (a retry, a probe, a timeout). */
  const fireNext = async () => {
    const next = clock.nextTimerAt()
    if (next === undefined) throw new Error('no timer pending')
    await clock.advanceTo(next)
  }

  const unreachable = () => new Error(UNREACHABLE)

  beforeEach(() => {
    clock = new ManualClock()
    connector = new FakeConnector(clock)
    lines = []
    changes = []
  })

  it('starts, logs in and reports online with no restarts; listeners see every change', async () => {
    const supervisor = make()
    const start = clock.now()
    expect(supervisor.current()).toEqual({ state: 'starting', since: start, restarts: 0 })
    await supervisor.start()
    expect(connector.attempts).toHaveLength(1)
    await clock.advance(500)
    connector.last.handlers.scan('qr-1')
    await clock.advance(500)
    connector.last.handlers.login(user)
    expect(supervisor.current()).toEqual({ state: 'online', since: start + 1000, restarts: 0, user })
    expect(changes.map((s) => s.state)).toEqual(['login_required', 'online'])
    expect(changes.at(-1)).toBe(supervisor.current())
    expect(supervisor.reconnectCount).toBe(0)
    expect(supervisor.offlineMs()).toBe(0)
  })

  it('goes offline on a connection failure, closes the connection and retries only after the backoff', async () => {
    const supervisor = make()
    await supervisor.start()
    connector.last.handlers.login(user)
    await clock.advance(5_000)
    const failedAt = clock.now()
    const first = connector.last
    first.handlers.failed(new Error(UNREACHABLE))
    const status = supervisor.current()
    expect(status.state).toBe('offline')
    expect(status.lastError).toEqual({
      code: 'gateway_unreachable',
      message: 'No connection established. Last error: connect ECONNREFUSED',
      at: failedAt,
    })
    expect(status.nextRetryAt).toBe(failedAt + 1_000)
    expect(status.offlineSince).toBe(failedAt)
    expect(status.since).toBe(failedAt)
    expect(status.restarts).toBe(1)
    expect(status.user).toBeUndefined()
    expect(first.connection.closes).toBe(1)
    expect(changes.map((s) => s.state)).toEqual(['online', 'offline'])

    await clock.advance(999)
    expect(connector.attempts).toHaveLength(1)
    await clock.advance(1)
    expect(connector.attempts).toHaveLength(2)
    expect(connector.last.at).toBe(failedAt + 1_000)
    // The new attempt has not logged in yet: still offline, the outage still open.
    expect(supervisor.current().state).toBe('offline')
    expect(supervisor.current().offlineSince).toBe(failedAt)
  })

  it('doubles the backoff per consecutive failure up to the cap, and resets it after a login', async () => {
    const supervisor = make({ initialBackoffMs: 1_000, maxBackoffMs: 10_000 })
    await supervisor.start()
    connector.last.handlers.login(user)
    connector.rejectAll = unreachable()
    connector.last.handlers.failed(unreachable())
    for (let i = 0; i < 7; i++) await fireNext()
    const times = connector.attempts.map((a) => a.at)
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0))
    expect(gaps).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000])
    expect(supervisor.current().restarts).toBe(8)

    // The next attempt works and logs in: the backoff starts over.
    connector.rejectAll = undefined
    await fireNext()
    connector.last.handlers.login(user)
    expect(supervisor.current().state).toBe('online')
    connector.last.handlers.failed(unreachable())
    expect((supervisor.current().nextRetryAt ?? 0) - clock.now()).toBe(1_000)
  })

  it('applies jitter: random 0 halves the delay', async () => {
    const supervisor = make({}, () => 0)
    await supervisor.start()
    connector.last.handlers.login(user)
    connector.last.handlers.failed(unreachable())
    expect((supervisor.current().nextRetryAt ?? 0) - clock.now()).toBe(500)
    connector.rejectAll = unreachable()
    await clock.advance(499)
    expect(connector.attempts).toHaveLength(1)
    await clock.advance(1)
    expect(connector.attempts).toHaveLength(2)
    expect((supervisor.current().nextRetryAt ?? 0) - clock.now()).toBe(1_000)
  })

  it('retries for ever, keeps the outage start, then counts the reconnection and the time offline', async () => {
    const supervisor = make({ maxBackoffMs: 30_000, probeAfterMs: 0 })
    await supervisor.start()
    connector.last.handlers.login(user)
    await clock.advance(60_000)
    const firstFailure = clock.now()
    connector.rejectAll = unreachable()
    connector.last.handlers.failed(unreachable())
    for (let i = 0; i < 49; i++) {
      await fireNext()
      const status = supervisor.current()
      expect(status.state).toBe('offline')
      expect(status.offlineSince).toBe(firstFailure)
      expect(status.since).toBe(firstFailure)
    }
    expect(connector.attempts).toHaveLength(50)
    expect(connector.attempts.slice(1).every((a) => a.rejected)).toBe(true)
    expect(supervisor.current().restarts).toBe(50)
    // Capped: the last gap is maxBackoffMs.
    const last = connector.attempts.at(-1)?.at ?? 0
    const beforeLast = connector.attempts.at(-2)?.at ?? 0
    expect(last - beforeLast).toBe(30_000)
    expect(supervisor.offlineMs()).toBe(clock.now() - firstFailure)

    connector.rejectAll = undefined
    await fireNext()
    expect(connector.attempts).toHaveLength(51)
    await clock.advance(2_000)
    const loginAt = clock.now()
    connector.last.handlers.login(user)
    const online = supervisor.current()
    expect(online.state).toBe('online')
    expect(online.offlineSince).toBeUndefined()
    expect(online.lastError).toBeUndefined()
    expect(online.nextRetryAt).toBeUndefined()
    expect(online.restarts).toBe(50)
    expect(supervisor.reconnectCount).toBe(1)
    const firstOutage = loginAt - firstFailure
    expect(supervisor.offlineMs()).toBe(firstOutage)

    // Time online adds nothing; a second outage adds to the first.
    await clock.advance(10 * 60_000)
    expect(supervisor.offlineMs()).toBe(firstOutage)
    connector.last.handlers.failed(unreachable())
    await clock.advance(1_000)
    expect(supervisor.offlineMs()).toBe(firstOutage + 1_000)
    await clock.advance(500)
    connector.last.handlers.login(user)
    expect(supervisor.reconnectCount).toBe(2)
    expect(supervisor.offlineMs()).toBe(firstOutage + 1_500)
    await clock.advance(60_000)
    expect(supervisor.offlineMs()).toBe(firstOutage + 1_500)
  })

  it('ignores failures and events from a replaced attempt', async () => {
    const supervisor = make()
    await supervisor.start()
    const stale = connector.last
    stale.handlers.login(user)
    stale.handlers.failed(unreachable())
    const offline = supervisor.current()
    expect(offline.restarts).toBe(1)

    // The replaced attempt reports again before the retry: nothing changes.
    stale.handlers.failed(unreachable())
    stale.handlers.login(user)
    stale.handlers.scan('stale-qr')
    stale.handlers.logout()
    stale.handlers.alive()
    expect(supervisor.current()).toBe(offline)
    expect(clock.nextTimerAt()).toBe(offline.nextRetryAt)

    await fireNext()
    const fresh = connector.last
    expect(fresh).not.toBe(stale)
    fresh.handlers.login(user)
    const online = supervisor.current()
    expect(online.state).toBe('online')
    const changesSoFar = changes.length

    // And again once the fresh attempt is online.
    stale.handlers.failed(unreachable())
    stale.handlers.logout()
    stale.handlers.login({ id: 'other', name: 'Other' })
    expect(supervisor.current()).toBe(online)
    expect(changes).toHaveLength(changesSoFar)
    expect(fresh.connection.closes).toBe(0)
    await clock.advance(5_000)
    expect(connector.attempts).toHaveLength(2)
  })

  it('leaves the connection alone on an error about one thing', async () => {
    const supervisor = make()
    await supervisor.start()
    connector.last.handlers.login(user)
    const online = supervisor.current()
    const changesSoFar = changes.length
    connector.last.handlers.failed(new Error(PAYLOAD))
    connector.last.handlers.failed(new Error('something odd happened'))
    expect(supervisor.current()).toBe(online)
    expect(changes).toHaveLength(changesSoFar)
    expect(connector.last.connection.closes).toBe(0)
    await clock.advance(20_000)
    expect(connector.attempts).toHaveLength(1)
    expect(supervisor.current()).toBe(online)
    expect(levels('warn')).toHaveLength(0)
  })

  it('counts an open() that rejects with any error as a failed attempt', async () => {
    const supervisor = make()
    connector.rejectNext.push(
      new Error('something odd happened'),
      new TypeError('x is not a function'),
      'bare',
    )
    await supervisor.start()
    const status = supervisor.current()
    expect(status.state).toBe('offline')
    expect(status.lastError?.message).toBe('something odd happened')
    expect(status.nextRetryAt).toBe(clock.now() + 1_000)
    await fireNext()
    await fireNext()
    expect(supervisor.current().restarts).toBe(3)
    expect(supervisor.current().lastError?.message).toBe('bare')
    await fireNext()
    expect(connector.attempts).toHaveLength(4)
    expect(connector.last.rejected).toBe(false)
    connector.last.handlers.login(user)
    expect(supervisor.current().state).toBe('online')
  })

  it('gives up on an attempt that brings neither a QR code nor a login within the start timeout', async () => {
    const supervisor = make()
    await supervisor.start()
    const first = connector.last
    await clock.advance(timings.startTimeoutMs - 1)
    expect(supervisor.current().state).toBe('starting')
    await clock.advance(1)
    const status = supervisor.current()
    expect(status.state).toBe('offline')
    expect(status.lastError?.code).toBe('start_timeout')
    expect(first.connection.closes).toBe(1)
    await fireNext()
    expect(connector.attempts).toHaveLength(2)
  })

  it('applies the start timeout to an open() that never answers, and closes it when it finally does', async () => {
    const supervisor = make()
    let release: () => void = () => {}
    connector.gate = new Promise<void>((resolve) => {
      release = resolve
    })
    void supervisor.start()
    await clock.advance(timings.startTimeoutMs)
    expect(supervisor.current().lastError?.code).toBe('start_timeout')
    const hung = connector.last
    connector.gate = undefined
    release()
    await clock.advance(0)
    expect(hung.connection.closes).toBe(1)
  })

  it('shows the QR code to scan, updates it when refreshed and keeps the state start', async () => {
    const supervisor = make()
    await supervisor.start()
    await clock.advance(1_000)
    const firstAt = clock.now()
    connector.last.handlers.scan('qr-1')
    expect(supervisor.current()).toMatchObject({
      state: 'login_required',
      since: firstAt,
      qrcode: 'qr-1',
      qrcodeAt: firstAt,
    })
    await clock.advance(20_000)
    const changesSoFar = changes.length
    connector.last.handlers.scan('qr-1')
    expect(changes).toHaveLength(changesSoFar)
    expect(supervisor.current().qrcodeAt).toBe(firstAt)
    connector.last.handlers.scan('qr-2')
    expect(supervisor.current()).toMatchObject({
      state: 'login_required',
      since: firstAt,
      qrcode: 'qr-2',
      qrcodeAt: firstAt + 20_000,
    })
    expect(levels('warn').map((l) => l.obj)).toEqual([{ qrcode: 'qr-1' }, { qrcode: 'qr-2' }])
    connector.last.handlers.login(user)
    expect(supervisor.current().qrcode).toBeUndefined()
  })

  it('keeps a connection that showed a QR code past the start timeout (it did start)', async () => {
    const supervisor = make()
    connector.probeBehaviour = 'alive'
    await supervisor.start()
    await clock.advance(100)
    connector.last.handlers.scan('qr-1')
    await clock.advance(timings.startTimeoutMs * 3)
    expect(supervisor.current().lastError?.code).toBeUndefined()
    expect(supervisor.current()).toMatchObject({ state: 'login_required', qrcode: 'qr-1' })
    expect(connector.last.connection.probes).toBeGreaterThan(0)
    expect(connector.attempts).toHaveLength(1)
  })

  it('keeps a connection that showed a QR code past the start timeout with probing off', async () => {
    const supervisor = make({ probeAfterMs: 0 })
    await supervisor.start()
    await clock.advance(100)
    connector.last.handlers.scan('qr-1')
    await clock.advance(timings.startTimeoutMs * 3)
    expect(supervisor.current().lastError?.code).toBeUndefined()
    expect(supervisor.current()).toMatchObject({ state: 'login_required', qrcode: 'qr-1' })
    expect(connector.attempts).toHaveLength(1)
  })

  it('goes to login_required on logout, keeping the connection', async () => {
    const supervisor = make()
    await supervisor.start()
    connector.last.handlers.login(user)
    await clock.advance(1_000)
    connector.last.handlers.logout()
    const status = supervisor.current()
    expect(status.state).toBe('login_required')
    expect(status.since).toBe(clock.now())
    expect(status.user).toBeUndefined()
    expect(connector.last.connection.closes).toBe(0)
    connector.last.handlers.scan('qr-after-logout')
    expect(supervisor.current().qrcode).toBe('qr-after-logout')
  })

  describe('liveness', () => {
    it('probes after the silence period and stays online when the gateway answers', async () => {
      const supervisor = make()
      connector.probeBehaviour = 'alive'
      await supervisor.start()
      connector.last.handlers.login(user)
      const online = supervisor.current()
      await clock.advance(timings.probeAfterMs - 1)
      expect(connector.last.connection.probes).toBe(0)
      await clock.advance(1)
      expect(connector.last.connection.probes).toBe(1)
      await clock.advance(timings.probeAfterMs * 10)
      expect(connector.last.connection.probes).toBe(11)
      expect(supervisor.current()).toBe(online)
      expect(connector.attempts).toHaveLength(1)
    })

    it('any sign of life postpones the probe', async () => {
      const supervisor = make()
      await supervisor.start()
      connector.last.handlers.login(user)
      await clock.advance(timings.probeAfterMs - 1)
      connector.last.handlers.alive()
      await clock.advance(timings.probeAfterMs - 1)
      expect(connector.last.connection.probes).toBe(0)
      await clock.advance(1)
      expect(connector.last.connection.probes).toBe(1)
      expect(supervisor.current().state).toBe('online')
    })

    it('an answer arriving later but within the probe timeout keeps the connection', async () => {
      const supervisor = make()
      await supervisor.start()
      connector.last.handlers.login(user)
      await clock.advance(timings.probeAfterMs)
      expect(connector.last.connection.probes).toBe(1)
      await clock.advance(timings.probeTimeoutMs - 1)
      connector.last.handlers.alive()
      await clock.advance(1)
      expect(supervisor.current().state).toBe('online')
      expect(connector.attempts).toHaveLength(1)
    })

    it('goes offline with no_heartbeat when a probe gets no answer', async () => {
      const supervisor = make()
      await supervisor.start()
      connector.last.handlers.login(user)
      const first = connector.last
      await clock.advance(timings.probeAfterMs)
      expect(first.connection.probes).toBe(1)
      const askedAt = clock.now()
      await clock.advance(timings.probeTimeoutMs - 1)
      expect(supervisor.current().state).toBe('online')
      await clock.advance(1)
      const status = supervisor.current()
      expect(status.state).toBe('offline')
      expect(status.lastError?.code).toBe('no_heartbeat')
      expect(status.offlineSince).toBe(askedAt + timings.probeTimeoutMs)
      expect(first.connection.closes).toBe(1)
      await fireNext()
      expect(connector.attempts).toHaveLength(2)
    })

    it('goes offline when the probe itself fails', async () => {
      const supervisor = make()
      connector.probeBehaviour = { reject: new Error('boom') }
      await supervisor.start()
      connector.last.handlers.login(user)
      await clock.advance(timings.probeAfterMs)
      const status = supervisor.current()
      expect(status.state).toBe('offline')
      expect(status.lastError?.code).toBe('no_heartbeat')
      expect(status.lastError?.message).toBe('boom')
      expect(status.offlineSince).toBe(clock.now())
    })

    it('keeps the classified cause when the probe fails with a connection error', async () => {
      const supervisor = make()
      connector.probeBehaviour = { reject: unreachable() }
      await supervisor.start()
      connector.last.handlers.login(user)
      await clock.advance(timings.probeAfterMs)
      expect(supervisor.current().lastError?.code).toBe('gateway_unreachable')
    })

    it('never probes with probeAfterMs 0', async () => {
      const supervisor = make({ probeAfterMs: 0 })
      await supervisor.start()
      connector.last.handlers.login(user)
      const online = supervisor.current()
      await clock.advance(24 * 60 * 60_000)
      expect(connector.last.connection.probes).toBe(0)
      expect(supervisor.current()).toBe(online)
      expect(clock.nextTimerAt()).toBeUndefined()
    })

    it('suspect() while online probes at once, once', async () => {
      const supervisor = make()
      await supervisor.start()
      connector.last.handlers.login(user)
      await clock.advance(1_000)
      supervisor.suspect()
      supervisor.suspect()
      expect(connector.last.connection.probes).toBe(1)
      const askedAt = clock.now()
      await clock.advance(timings.probeTimeoutMs)
      const status = supervisor.current()
      expect(status.state).toBe('offline')
      expect(status.lastError?.code).toBe('no_heartbeat')
      expect(status.lastError?.at).toBe(askedAt + timings.probeTimeoutMs)
    })

    it('suspect() answered keeps the connection; suspect() while not online does nothing', async () => {
      const supervisor = make()
      connector.probeBehaviour = 'alive'
      await supervisor.start()
      supervisor.suspect()
      expect(connector.last.connection.probes).toBe(0)
      connector.last.handlers.login(user)
      supervisor.suspect()
      expect(connector.last.connection.probes).toBe(1)
      await clock.advance(timings.probeTimeoutMs + 1)
      expect(supervisor.current().state).toBe('online')
    })
  })

  describe('logging', () => {
    it('writes one warning per cause in an outage, and one info line on reconnecting', async () => {
      const supervisor = make()
      await supervisor.start()
      connector.last.handlers.login(user)
      expect(levels('info')).toHaveLength(1) // "online as Bot"
      expect(levels('warn')).toHaveLength(0)

      connector.rejectAll = unreachable()
      connector.last.handlers.failed(unreachable())
      for (let i = 0; i < 30; i++) await fireNext()
      expect(supervisor.current().restarts).toBe(31)
      expect(levels('warn')).toHaveLength(1)
      expect(levels('warn')[0]?.obj).toMatchObject({ code: 'gateway_unreachable' })

      connector.rejectAll = new Error(UNAUTHENTICATED)
      for (let i = 0; i < 10; i++) await fireNext()
      expect(levels('warn')).toHaveLength(2)
      expect(levels('warn')[1]?.obj).toMatchObject({ code: 'auth_rejected' })

      connector.rejectAll = undefined
      await fireNext()
      connector.last.handlers.login(user)
      expect(levels('info')).toHaveLength(2)
      expect(levels('info')[1]?.obj).toMatchObject({ attempts: 41 })
      expect(levels('warn')).toHaveLength(2)
      expect(levels('error')).toHaveLength(0)

      // A new outage warns again, even with the same cause as the last one.
      connector.last.handlers.failed(new Error(UNAUTHENTICATED))
      expect(levels('warn')).toHaveLength(3)
    })

    it('a throwing listener is logged and does not stop the others', async () => {
      const supervisor = make()
      const seen: string[] = []
      supervisor.onChange(() => {
        throw new Error('listener broke')
      })
      supervisor.onChange((s) => seen.push(s.state))
      await supervisor.start()
      connector.last.handlers.login(user)
      expect(seen).toEqual(['online'])
      expect(supervisor.current().state).toBe('online')
      expect(levels('warn')).toHaveLength(1)
    })
  })

  describe('stop', () => {
    it('cancels the pending retry and makes no further attempts', async () => {
      const supervisor = make()
      await supervisor.start()
      connector.last.handlers.login(user)
      connector.last.handlers.failed(unreachable())
      expect(clock.nextTimerAt()).toBeDefined()
      await supervisor.stop()
      expect(clock.nextTimerAt()).toBeUndefined()
      await clock.advance(60 * 60_000)
      expect(connector.attempts).toHaveLength(1)
    })

    it('closes the current connection, cancels the probe and ignores its later reports', async () => {
      const supervisor = make()
      await supervisor.start()
      const attempt = connector.last
      attempt.handlers.login(user)
      const online = supervisor.current()
      await supervisor.stop()
      expect(attempt.connection.closes).toBe(1)
      expect(clock.nextTimerAt()).toBeUndefined()
      attempt.handlers.failed(unreachable())
      attempt.handlers.logout()
      await clock.advance(60 * 60_000)
      expect(attempt.connection.probes).toBe(0)
      expect(connector.attempts).toHaveLength(1)
      expect(supervisor.current()).toBe(online)
    })

    it('closes a connection whose open() answers only after stop', async () => {
      const supervisor = make()
      let release: () => void = () => {}
      connector.gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const started = supervisor.start()
      await clock.advance(0)
      await supervisor.stop()
      release()
      await started
      expect(connector.last.connection.closes).toBe(1)
      await clock.advance(60 * 60_000)
      expect(connector.attempts).toHaveLength(1)
    })
  })

  describe('reachability during a backoff wait', () => {
    const failUntilCapped = async (supervisor: ConnectionSupervisor, failures: number) => {
      await supervisor.start()
      connector.last.handlers.login(user)
      connector.rejectAll = unreachable()
      connector.last.handlers.failed(unreachable())
      for (let i = 1; i < failures; i++) await retryAtNextRetry(supervisor)
    }
    // Polls are timers too: move straight to the retry time rather than to the next timer.
    const retryAtNextRetry = async (supervisor: ConnectionSupervisor) => {
      const at = supervisor.current().nextRetryAt
      if (at === undefined) throw new Error('no retry pending')
      await clock.advanceTo(at)
    }

    it('reconnects as soon as an address that did not answer answers again', async () => {
      const supervisor = make({ maxBackoffMs: 30_000 })
      connector.answerReachability([false])
      await failUntilCapped(supervisor, 5)
      // The fifth failure waits 16 s; the gateway comes back 5 s into it.
      const waitStart = clock.now()
      const attempts = connector.attempts.length
      expect(supervisor.current().nextRetryAt).toBe(waitStart + 16_000)
      connector.rejectAll = undefined
      await clock.advance(4_000)
      expect(connector.attempts).toHaveLength(attempts)
      connector.answerReachability([true])
      await clock.advance(2_000)
      // A microtask for the reachable() answer, then the new attempt.
      await Promise.resolve()
      await Promise.resolve()
      expect(connector.attempts).toHaveLength(attempts + 1)
      expect(clock.now() - waitStart).toBe(6_000)
      connector.last.handlers.login(user)
      expect(supervisor.current().state).toBe('online')
      // The old wait's timer is gone: no second attempt at the end of the backoff.
      await clock.advance(20_000)
      expect(connector.attempts).toHaveLength(attempts + 1)
    })

    it('waits out the backoff when the address answered all along (a refused token, a failing gateway)', async () => {
      const supervisor = make({ maxBackoffMs: 30_000 })
      connector.answerReachability([true])
      await supervisor.start()
      connector.rejectAll = new Error(UNAUTHENTICATED)
      connector.last.handlers.failed(new Error(UNAUTHENTICATED))
      for (let i = 1; i < 5; i++) await retryAtNextRetry(supervisor)
      const waitStart = clock.now()
      const attempts = connector.attempts.length
      await clock.advance(15_999)
      expect(connector.attempts).toHaveLength(attempts)
      expect(connector.reachableCalls).toBeGreaterThan(3)
      await clock.advance(1)
      expect(connector.attempts).toHaveLength(attempts + 1)
      expect(connector.last.at - waitStart).toBe(16_000)
    })
  })
})
