import type * as PUPPET from 'wechaty-puppet'
import { systemClock } from '../../core/clock.js'
import type { Logger } from '../../core/logger.js'
import { RepeatLimiter, repeatKey } from '../../core/repeat-limiter.js'
import type { ConnectionErrorCode } from '../connection-errors.js'
import { connectionMessage } from '../connection-messages.js'
import { acceptsConnections } from './tcp-probe.js'
import { discoverEndpoint } from './token-discovery.js'

export interface PuppetServiceSettings {
  token?: string | undefined
  endpoint?: string | undefined
  authority?: string | undefined
  tlsCaCert?: string | undefined
  tlsServerName?: string | undefined
  tlsDisabled?: boolean | undefined
}

/** Builds a fresh puppet for each connection attempt, and says where it connects. */
export interface PuppetFactory {
  target: string
  create(): Promise<PUPPET.Puppet>
  /** Whether the gateway's address accepts connections now (known endpoints only). */
  reachable?(): Promise<boolean>
  /** Words for a failure where the general ones (about a gateway's address) would mislead. */
  hint?(code: ConnectionErrorCode): string | undefined
}

const DEFAULT_AUTHORITY = 'api.chatie.io'
/**
 * Wechaty's own watchdog resets a silent puppet once and gives up when that reset fails; the
 * connection supervisor watches instead, so the watchdog is set beyond any real silence.
 */
const WATCHDOG_OFF_SECONDS = 7 * 24 * 3600

/**
 * The puppet for a real account. Loaded on demand so the simulator never pulls in gRPC or the
 * web-protocol client. Every call of `create` builds a new puppet: a restart never reuses one
 * whose gRPC channel or event stream broke.
 */
export function realPuppetFactory(
  kind: 'service' | 'wechat4u',
  service: PuppetServiceSettings,
  log?: Logger,
): PuppetFactory {
  if (kind === 'wechat4u') {
    return {
      target: 'wechat4u (web WeChat)',
      hint: (code) =>
        code === 'gateway_unreachable' || code === 'timeout'
          ? connectionMessage('wechat4u_unreachable')
          : undefined,
      async create() {
        const before = new Set(process.listeners('uncaughtException'))
        const { PuppetWechat4u } = await import('wechaty-puppet-wechat4u')
        replaceWechat4uCrashHandler(before, log)
        return new PuppetWechat4u({ timeoutSeconds: WATCHDOG_OFF_SECONDS }) as unknown as PUPPET.Puppet
      },
    }
  }
  const authority = service.authority ?? DEFAULT_AUTHORITY
  const endpoint = service.endpoint
  return {
    target: endpoint ?? `token discovery at ${authority}`,
    ...(endpoint ? { reachable: () => acceptsConnections(endpoint) } : {}),
    async create() {
      // Without an endpoint the token names the gateway; look it up on each attempt, since a
      // provider may move it.
      const endpoint = service.endpoint ?? (await discoverEndpoint(service.token ?? '', authority))
      const { PuppetService } = await import('wechaty-puppet-service')
      await useOwnSubchannels()
      const puppet = new PuppetService({
        ...(service.token ? { token: service.token } : {}),
        endpoint,
        ...(service.authority ? { authority: service.authority } : {}),
        timeoutSeconds: WATCHDOG_OFF_SECONDS,
        tls: {
          ...(service.tlsCaCert ? { caCert: service.tlsCaCert } : {}),
          ...(service.tlsServerName ? { serverName: service.tlsServerName } : {}),
          disable: service.tlsDisabled ?? false,
        },
      })
      keepAccountOnStop(puppet)
      return puppet as unknown as PUPPET.Puppet
    },
  }
}

type GrpcPuppet = { onStop(): Promise<void> }

/**
 * PuppetService.stop() sends the gateway a stop call, and the gateway then stops the account's
 * puppet (a logout, on most gateways). qunbot stops a puppet to replace a broken connection or to
 * shut down, never to log out, and Wechaty also stops a puppet whose start failed, which can
 * reach a gateway that has just come back. So the gRPC stream and client are closed first: the
 * stop call then fails locally and the gateway keeps the account for the next connection.
 * (GrpcManager's stopStream and destroyClient are protected in its typings; they are what its
 * own stop() calls.)
 */
function keepAccountOnStop(puppet: GrpcPuppet): void {
  const onStop = puppet.onStop.bind(puppet)
  puppet.onStop = async () => {
    const manager = (puppet as unknown as { _grpcManager?: { stopStream(): void; destroyClient(): void } })
      ._grpcManager
    try {
      manager?.stopStream()
      manager?.destroyClient()
    } catch {
      // Already torn down.
    }
    await onStop()
  }
}

let subchannelsSet = false

/**
 * @grpc/grpc-js shares one subchannel per address across every client in the process, with its
 * own reconnect backoff (up to 120 s). A fresh connection attempt would then wait out the old
 * one's backoff and fail at once with "No connection established. Last error: null", which
 * hides the real cause and delays the return after an outage. wechaty-puppet-service builds its
 * client from a module-level GRPC_OPTIONS object that its package does not export, so it is
 * reached by file URL next to the package's entry; it is the same module instance. Each client
 * then gets its own subchannel: every attempt really connects, and says why it could not.
 */
async function useOwnSubchannels(): Promise<void> {
  if (subchannelsSet) return
  subchannelsSet = true
  try {
    const entry = import.meta.resolve('wechaty-puppet-service')
    const config = (await import(new URL('./config.js', entry).href)) as {
      GRPC_OPTIONS?: Record<string, unknown>
    }
    if (config.GRPC_OPTIONS) config.GRPC_OPTIONS['grpc.use_local_subchannel_pool'] = 1
  } catch {
    // A future layout without this file: connections still work, only slower to return.
  }
}

let wechat4uGuarded = false

/**
 * wechat4u, when loaded, adds a process-wide 'uncaughtException' handler that prints every
 * uncaught error with console.log and keeps going, whatever threw: a bug anywhere in qunbot would
 * no longer stop the process, and the puppet's own late errors (its logout handler calls into a
 * client it has already dropped when a connection is replaced) are printed with their stacks,
 * once per reconnect. That handler is replaced by one that logs wechat4u's own errors at warn,
 * one line per kind per minute, and treats any other uncaught error as Node does: print, exit 1.
 */
function replaceWechat4uCrashHandler(before: Set<unknown>, log: Logger | undefined): void {
  for (const listener of process.listeners('uncaughtException'))
    if (!before.has(listener)) process.off('uncaughtException', listener)
  if (wechat4uGuarded) return
  wechat4uGuarded = true
  const limiter = new RepeatLimiter(systemClock, 60_000)
  process.on('uncaughtException', (error) => {
    if (/wechat4u/.test(error?.stack ?? '')) {
      const { log: shouldLog, suppressed } = limiter.hit(repeatKey('wechat4u', error.message))
      if (shouldLog)
        log?.warn(
          { detail: error.message, ...(suppressed ? { repeated: suppressed } : {}) },
          'wechat4u error',
        )
      return
    }
    log?.error({ err: error }, 'uncaught exception: exiting')
    console.error(error)
    process.exit(1)
  })
}
