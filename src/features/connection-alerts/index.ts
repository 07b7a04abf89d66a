import type { TimerHandle } from '../../core/clock.js'
import type { AlertPort, Feature, FeatureDeps } from '../../core/feature.js'
import type { ConnectionStatus } from '../../core/types.js'
import { plainText } from '../../core/types.js'
import { alertMessage } from './messages.js'

export interface ConnectionAlertSettings {
  /** Offline this long before `bot.offline` goes out (once per outage). */
  offlineAlertMs: number
  /** The operators' group; `bot.online` is posted there too (the account is up by then). */
  operatorsGroup?: string | undefined
  /** The console's address, for the login alert's link. */
  consoleUrl: string
}

/**
 * Tells people when the account goes away and comes back, through the staff webhooks (signed,
 * retried, in each robot's format) and the operators' group:
 * - `bot.offline` once per outage, after `offlineAlertMs` without a connection (a blip of a few
 *   seconds wakes nobody);
 * - `bot.online` with the outage's length, only after a `bot.offline` for that outage;
 * - `bot.login_required` when the gateway waits for a QR scan (once per login episode).
 * It sees only `connectionChanged` events: reconnecting is the platform's business.
 */
export function createConnectionAlertsFeature(
  deps: FeatureDeps & { alerts: AlertPort; settings: ConnectionAlertSettings },
): Feature {
  const { clock, alerts, settings, log } = deps
  let timer: TimerHandle | undefined
  let offlineAlerted = false
  let loginAlerted = false
  let latest: ConnectionStatus | undefined
  /** When the current outage began (an online status no longer carries it). */
  let previousOfflineSince: number | undefined

  const minutes = (ms: number) => Math.max(0, Math.round(ms / 6000) / 10)

  const publish = (event: string, text: string, status: ConnectionStatus, offlineMs?: number) => {
    const ids = alerts.publish(event, {
      text,
      consoleUrl: settings.consoleUrl,
      connection: {
        state: status.state,
        since: new Date(status.since).toISOString(),
        ...(status.offlineSince !== undefined
          ? { offlineSince: new Date(status.offlineSince).toISOString() }
          : {}),
        ...(offlineMs !== undefined ? { offlineSeconds: Math.round(offlineMs / 1000) } : {}),
        ...(status.lastError
          ? { lastError: { code: status.lastError.code, message: status.lastError.message } }
          : {}),
        ...(status.nextRetryAt !== undefined && status.state === 'offline'
          ? { nextRetryAt: new Date(status.nextRetryAt).toISOString() }
          : {}),
        ...(status.qrcode && status.state === 'login_required' ? { qrcode: status.qrcode } : {}),
      },
    })
    if (ids.length > 0) log.info({ event, webhooks: ids.length }, 'connection alert queued')
  }

  const armOfflineAlert = (offlineSince: number) => {
    if (timer || offlineAlerted) return
    timer = clock.setTimeout(
      () => {
        timer = undefined
        const now = latest
        if (!now || now.state === 'online' || now.offlineSince === undefined) return
        offlineAlerted = true
        const offlineMs = clock.now() - now.offlineSince
        publish(
          'bot.offline',
          alertMessage('offline', { minutes: minutes(offlineMs), cause: now.lastError?.code ?? now.state }),
          now,
          offlineMs,
        )
      },
      Math.max(0, offlineSince + settings.offlineAlertMs - clock.now()),
    )
  }

  return {
    name: 'connection-alerts',
    on: {
      connectionChanged: (status) => {
        latest = status
        if (status.state === 'online') {
          timer?.cancel()
          timer = undefined
          loginAlerted = false
          const since = previousOfflineSince ?? status.since
          previousOfflineSince = undefined
          if (!offlineAlerted) return
          offlineAlerted = false
          const offlineMs = status.since - since
          const text = alertMessage('online', { minutes: minutes(offlineMs) })
          publish('bot.online', text, status, offlineMs)
          if (settings.operatorsGroup) deps.sender.send(settings.operatorsGroup, plainText(text))
          return
        }
        if (status.offlineSince !== undefined) {
          previousOfflineSince = status.offlineSince
          armOfflineAlert(status.offlineSince)
        }
        if (status.state === 'login_required' && status.qrcode && !loginAlerted) {
          loginAlerted = true
          publish(
            'bot.login_required',
            alertMessage('login_required', { console: settings.consoleUrl }),
            status,
          )
        }
      },
    },
    stop: () => {
      timer?.cancel()
      timer = undefined
    },
  }
}
