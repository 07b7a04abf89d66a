import { Brolog } from 'brolog'
import { log as wechatyLog } from 'wechaty-puppet'
import { type Clock, systemClock } from '../../core/clock.js'
import type { Logger } from '../../core/logger.js'
import { RepeatLimiter, repeatKey } from '../../core/repeat-limiter.js'

let routedTo: Logger | undefined

/**
 * Wechaty and its puppets write through their own logger (brolog) straight to the terminal,
 * around our redaction and in another format. This sends those lines into our logger instead:
 * errors at warn, limited to one line per kind per minute with a count (wechat4u without a
 * reachable WeChat repeats the same error hundreds of times a minute); the rest at debug, since
 * the connection supervisor reports what matters in its own words.
 */
export function routeLibraryLogs(log: Logger, clock: Clock = systemClock): void {
  routedTo = log
  const limiter = new RepeatLimiter(clock, 60_000)
  const print = (level: string, text?: string) => {
    const target = routedTo
    if (!target) return
    const line = (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 500)
    if (/^ERR/i.test(level)) {
      const { log: shouldLog, suppressed } = limiter.hit(repeatKey('wechaty', line))
      if (shouldLog) target.warn({ ...(suppressed ? { repeated: suppressed } : {}) }, `wechaty: ${line}`)
    } else {
      target.debug(`wechaty: ${line}`)
    }
  }
  // wechaty and the puppets log through wechaty-puppet's instance; memory-card and wechaty-token
  // through brolog's global one (brolog is a direct dependency so that this is the same copy).
  wechatyLog.enableLogging(print)
  Brolog.instance().enableLogging(print)
}
