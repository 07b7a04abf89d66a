import type * as PUPPET from 'wechaty-puppet'

export interface PuppetServiceSettings {
  token?: string | undefined
  endpoint?: string | undefined
  authority?: string | undefined
  tlsCaCert?: string | undefined
  tlsServerName?: string | undefined
  tlsDisabled?: boolean | undefined
}

/**
 * Builds the puppet for a real account. Loaded on demand so the simulator never pulls in gRPC or
 * the web-protocol client.
 */
export async function createRealPuppet(
  kind: 'service' | 'wechat4u',
  service: PuppetServiceSettings,
): Promise<PUPPET.Puppet> {
  if (kind === 'service') {
    const { PuppetService } = await import('wechaty-puppet-service')
    return new PuppetService({
      ...(service.token ? { token: service.token } : {}),
      ...(service.endpoint ? { endpoint: service.endpoint } : {}),
      ...(service.authority ? { authority: service.authority } : {}),
      tls: {
        ...(service.tlsCaCert ? { caCert: service.tlsCaCert } : {}),
        ...(service.tlsServerName ? { serverName: service.tlsServerName } : {}),
        disable: service.tlsDisabled ?? false,
      },
    }) as unknown as PUPPET.Puppet
  }
  const { PuppetWechat4u } = await import('wechaty-puppet-wechat4u')
  return new PuppetWechat4u() as unknown as PUPPET.Puppet
}
