import { type MessageTable, messagesFor } from '../../core/messages.js'

/** The alert texts (webhook `text` and the operators' group message). */
export const ALERT_MESSAGES: MessageTable<'offline' | 'online' | 'login_required'> = {
  zh: {
    offline:
      '⚠️ 群机器人已离线 {minutes} 分钟（原因：{cause}）。qunbot 正在自动重连，排队的消息不会丢，恢复后按顺序发出。',
    online: '✅ 群机器人已恢复在线，本次离线 {minutes} 分钟；离线期间排队的消息正在按顺序发出。',
    login_required: '🔑 群机器人需要扫码登录：请打开控制台 {console} 扫描页面顶部的二维码。',
  },
  en: {
    offline:
      '⚠️ The group bot has been offline for {minutes} min (cause: {cause}). qunbot keeps reconnecting; queued messages are kept and go out in order once it is back.',
    online:
      '✅ The group bot is back online after {minutes} min offline; messages queued meanwhile are going out in order.',
    login_required:
      '🔑 The group bot needs a QR scan to log in: open the console at {console} and scan the code at the top.',
  },
}

export const alertMessage = messagesFor(ALERT_MESSAGES)
