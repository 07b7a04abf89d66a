import { type MessageTable, messagesFor } from '../core/messages.js'

/** What `qunbot start` prints for the operator. */
export const START_MESSAGES: MessageTable<
  | 'config_invalid'
  | 'config_hint'
  | 'port_in_use'
  | 'listen_failed'
  | 'console'
  | 'token_saved'
  | 'connecting'
  | 'scan_now'
  | 'qr_expires'
> = {
  zh: {
    config_invalid: 'qunbot：配置有误：',
    config_hint: '每个变量及其取值见 .env.example。',
    port_in_use:
      'qunbot：端口 {port} 已被占用（可能已有一个 qunbot 在运行）：请先停止它，或设置 QUNBOT_PORT 换一个端口。账号没有登录。',
    listen_failed: 'qunbot：无法在 {host}:{port} 上监听：{reason}',
    console: 'qunbot 控制台：{url}',
    token_saved: '（已生成管理令牌，保存在 {file}）',
    connecting: '正在连接网关 {target}；连上之前 GET /api/health 返回 503。',
    scan_now: '请用要登录的微信扫描下面的二维码：',
    qr_expires: '（二维码约在 {time} 失效，网关刷新时这里会打印新的；控制台顶部也有）',
  },
  en: {
    config_invalid: 'qunbot: the configuration is not valid:',
    config_hint: 'See .env.example for every variable and its allowed values.',
    port_in_use:
      'qunbot: port {port} is already in use (is another qunbot running?): stop it, or set QUNBOT_PORT to another port. The account was not logged in.',
    listen_failed: 'qunbot: cannot listen on {host}:{port}: {reason}',
    console: 'qunbot console: {url}',
    token_saved: '(admin token generated and saved in {file})',
    connecting: 'connecting to the gateway at {target}; GET /api/health answers 503 until connected.',
    scan_now: 'Scan this QR code with the WeChat account to log in:',
    qr_expires:
      '(the code expires around {time}; a new one is printed when the gateway refreshes it; the console shows it too)',
  },
}

export const startMessage = messagesFor(START_MESSAGES)
