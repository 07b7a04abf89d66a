import type { Logger } from '../core/logger.js'

export interface SignalTarget {
  on(signal: 'SIGINT' | 'SIGTERM', handler: (signal: NodeJS.Signals) => void): unknown
}

/**
 * First SIGINT/SIGTERM: graceful shutdown, then exit 0 (1 if shutdown failed). A second signal
 * while shutting down exits at once with 130, for the operator who does not want to wait.
 */
export function installSignalHandlers(
  target: SignalTarget,
  shutdown: () => Promise<void>,
  exit: (code: number) => void,
  log: Logger,
): void {
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal: exiting now')
      exit(130)
      return
    }
    signalled = true
    log.info({ signal }, 'shutting down: no new messages; draining the send queue')
    shutdown().then(
      () => exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed')
        exit(1)
      },
    )
  }
  target.on('SIGINT', onSignal)
  target.on('SIGTERM', onSignal)
}
