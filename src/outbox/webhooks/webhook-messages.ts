import { type MessageTable, messagesFor } from '../../core/messages.js'
import type { AddressKind } from './address-policy.js'

/**
 * What operators read about a webhook endpoint that points at a private address: the reason on
 * a refused attempt (console, `/api/webhooks/deliveries`, logs) and the config problem.
 */
const WEBHOOK_MESSAGES: MessageTable<
  'refusedResolved' | 'refusedLiteral' | 'hint' | AddressKind | 'wrongProtocol'
> = {
  zh: {
    refusedResolved: '已拒绝：{host} 解析到 {address}（{kind}地址）。{hint}',
    refusedLiteral: '已拒绝：{address} 是{kind}地址。{hint}',
    hint: 'webhook 默认不发往本机、内网或链路本地地址；若这是你自己的内网接收端，请在该 endpoint 加上 allowPrivate: true。',
    loopback: '本机回环',
    private: '内网',
    'link-local': '链路本地（含云服务器元数据）',
    unspecified: '未指定',
    shared: '运营商级 NAT（100.64.0.0/10，含云服务器元数据）',
    multicast: '组播',
    broadcast: '广播',
    reserved: '保留',
    wrongProtocol: 'webhook 地址只能是 http:// 或 https://',
  },
  en: {
    refusedResolved: 'refused: {host} resolves to {address} (a {kind} address). {hint}',
    refusedLiteral: 'refused: {address} is a {kind} address. {hint}',
    hint: 'webhooks do not go to loopback, private or link-local addresses by default; if this is your own receiver on the LAN, add allowPrivate: true to this endpoint.',
    loopback: 'loopback',
    private: 'private',
    'link-local': 'link-local (cloud metadata included)',
    unspecified: 'unspecified',
    shared: 'carrier-grade NAT (100.64.0.0/10, cloud metadata included)',
    multicast: 'multicast',
    broadcast: 'broadcast',
    reserved: 'reserved',
    wrongProtocol: 'a webhook URL must be http:// or https://',
  },
}

export const webhookMessage = messagesFor(WEBHOOK_MESSAGES)

/** The full refusal: what the address is and how to allow it. */
export function privateAddressReason(kind: AddressKind, address: string, host?: string): string {
  return webhookMessage(host === undefined ? 'refusedLiteral' : 'refusedResolved', {
    host,
    address,
    kind: webhookMessage(kind),
    hint: webhookMessage('hint'),
  })
}
