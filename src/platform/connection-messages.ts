import { type MessageTable, messagesFor } from '../core/messages.js'
import type { ConnectionErrorCode } from './connection-errors.js'

type Key =
  | ConnectionErrorCode
  | 'lost'
  | 'retry_failed'
  | 'reconnected'
  | 'login_required'
  | 'scan_hint'
  | 'online'
  | 'wechat4u_unreachable'

/**
 * What the supervisor tells the operator. Each failure names what to change; `{target}` is the
 * gateway address (or "token discovery at ..."), `{detail}` the gateway's own words.
 */
export const CONNECTION_MESSAGES: MessageTable<Key> = {
  zh: {
    not_connected: '账号当前未连接',
    gateway_unreachable:
      '连不上网关 {target}：请确认网关在运行、地址和端口（WECHATY_PUPPET_SERVICE_ENDPOINT）正确；qunbot 会一直重试',
    auth_rejected:
      '网关拒绝了令牌（UNAUTHENTICATED）：请检查 WECHATY_PUPPET_SERVICE_TOKEN 与网关上的令牌是否一致',
    tls_mismatch:
      'TLS 设置与网关不一致（或 {target} 上不是 Wechaty 网关）：网关不用 TLS 时设置 WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true；网关用 TLS 时去掉它，并按需设置 WECHATY_PUPPET_SERVICE_TLS_CA_CERT / WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME',
    token_format:
      '令牌缺少 SNI 前缀：请写成 insecure_<令牌> 或 puppet_<服务商>_<令牌>，或设置 WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME',
    discovery_failed:
      '无法通过令牌查到网关地址（{target}）：请直接设置 WECHATY_PUPPET_SERVICE_ENDPOINT=主机:端口，或检查网络；qunbot 会一直重试',
    stream_closed: '网关断开了事件流（{target}），正在重连',
    timeout: '网关没有在规定时间内应答（{target}），正在重连',
    not_logged_in: '网关报告账号未登录',
    no_heartbeat: '网关长时间没有任何回应（{target}），正在重连',
    start_timeout: '连接网关后迟迟没有登录或二维码（{target}），正在重连',
    platform: '网关报错',
    lost: '连接中断：{reason}（{detail}）；{retryIn} 秒后重试',
    retry_failed: '重连仍未成功：{reason}（{detail}）；已离线 {offlineFor} 秒，{retryIn} 秒后再试',
    reconnected: '已重新连上并登录：离线 {offlineFor} 秒，重试 {attempts} 次',
    login_required: '账号需要扫码登录：请用微信扫描下面的二维码（控制台顶部也有）',
    scan_hint: '二维码内容：{qrcode}',
    online: '账号已登录：{user}',
    wechat4u_unreachable:
      '连不上网页版微信（wechat4u）：请检查这台机器能否访问微信；很多账号已不能登录网页版，长期运行请改用 wechaty-puppet-service；qunbot 会一直重试',
  },
  en: {
    not_connected: 'the account is not connected',
    gateway_unreachable:
      'cannot reach the gateway at {target}: check that it runs and that WECHATY_PUPPET_SERVICE_ENDPOINT (host:port) is right; qunbot keeps retrying',
    auth_rejected:
      'the gateway refused the token (UNAUTHENTICATED): check that WECHATY_PUPPET_SERVICE_TOKEN matches the token the gateway serves',
    tls_mismatch:
      'TLS differs between qunbot and the gateway (or {target} is not a Wechaty gateway): set WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true for a gateway without TLS; remove it for a TLS gateway and set WECHATY_PUPPET_SERVICE_TLS_CA_CERT / WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME as needed',
    token_format:
      'the token has no SNI prefix: write it as insecure_<token> or puppet_<provider>_<token>, or set WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME',
    discovery_failed:
      'cannot look up the gateway for this token ({target}): set WECHATY_PUPPET_SERVICE_ENDPOINT=host:port, or check the network; qunbot keeps retrying',
    stream_closed: 'the gateway closed the event stream ({target}); reconnecting',
    timeout: 'the gateway did not answer in time ({target}); reconnecting',
    not_logged_in: 'the gateway says the account is not logged in',
    no_heartbeat: 'no sign of life from the gateway ({target}); reconnecting',
    start_timeout: 'connected, but neither a login nor a QR code came ({target}); reconnecting',
    platform: 'gateway error',
    lost: 'connection lost: {reason} ({detail}); retrying in {retryIn} s',
    retry_failed:
      'still not connected: {reason} ({detail}); offline for {offlineFor} s, next try in {retryIn} s',
    reconnected: 'connected and logged in again after {offlineFor} s offline and {attempts} attempts',
    login_required: 'the account needs a QR scan: scan the code below with WeChat (the console shows it too)',
    scan_hint: 'QR payload: {qrcode}',
    online: 'logged in as {user}',
    wechat4u_unreachable:
      'cannot reach WeChat for web (wechat4u): check that this machine reaches WeChat; many accounts can no longer log in to WeChat for web, use wechaty-puppet-service for a long run; qunbot keeps retrying',
  },
}

export const connectionMessage = messagesFor(CONNECTION_MESSAGES)
