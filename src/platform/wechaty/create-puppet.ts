import type * as PUPPET from 'wechaty-puppet'
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
  /**
   * Drops the puppet's link to its gateway without asking the gateway to stop the account, before
   * the puppet is stopped. Replacing a connection must not log the account out on the gateway.
   */
  detach?(puppet: PUPPET.Puppet): void
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
): PuppetFactory {
  if (kind === 'wechat4u') {
    return {
      target: 'wechat4u (web WeChat)',
      async create() {
        const { PuppetWechat4u } = await import('wechaty-puppet-wechat4u')
        return new PuppetWechat4u({ timeoutSeconds: WATCHDOG_OFF_SECONDS }) as unknown as PUPPET.Puppet
      },
    }
  }
  const authority = service.authority ?? DEFAULT_AUTHORITY
  return {
    target: service.endpoint ?? `token discovery at ${authority}`,
    detach(puppet) {
      // PuppetService.stop() sends the gateway a stop call, which stops the account's puppet
      // there. Closing the stream and the gRPC client first makes that call fail locally, so
      // the gateway keeps the account logged in for the next connection. (GrpcManager's methods
      // are protected in its typings; they are the ones its own stop() uses.)
      const manager = (puppet as unknown as { _grpcManager?: { stopStream(): void; destroyClient(): void } })
        ._grpcManager
      try {
        manager?.stopStream()
        manager?.destroyClient()
      } catch {
        // Already torn down.
      }
    },
    async create() {
      // Without an endpoint the token names the gateway; look it up on each attempt, since a
      // provider may move it.
      const endpoint = service.endpoint ?? (await discoverEndpoint(service.token ?? '', authority))
      const { PuppetService } = await import('wechaty-puppet-service')
      return new PuppetService({
        ...(service.token ? { token: service.token } : {}),
        endpoint,
        ...(service.authority ? { authority: service.authority } : {}),
        timeoutSeconds: WATCHDOG_OFF_SECONDS,
        tls: {
          ...(service.tlsCaCert ? { caCert: service.tlsCaCert } : {}),
          ...(service.tlsServerName ? { serverName: service.tlsServerName } : {}),
          disable: service.tlsDisabled ?? false,
        },
      }) as unknown as PUPPET.Puppet
    },
  }
}
