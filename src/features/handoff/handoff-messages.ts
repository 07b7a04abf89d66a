import { currentLang, type MessageTable, messagesFor } from '../../core/messages.js'
import type { MediaKind } from '../../core/types.js'

type Key = 'media_image' | 'media_file' | 'media_voice' | 'media_video' | 'media_emoticon'

/** How a member's media reads in a ticket's transcript and in staff webhooks. */
const HANDOFF_MESSAGES: MessageTable<Key> = {
  zh: {
    media_image: '[图片] {name}',
    media_file: '[文件] {name}',
    media_voice: '[语音] {name}',
    media_video: '[视频] {name}',
    media_emoticon: '[表情]',
  },
  en: {
    media_image: '[image] {name}',
    media_file: '[file] {name}',
    media_voice: '[voice] {name}',
    media_video: '[video] {name}',
    media_emoticon: '[sticker]',
  },
}

const handoffMessage = (key: Key, values: Record<string, string | number | undefined> = {}) =>
  messagesFor(HANDOFF_MESSAGES, currentLang())(key, values).trim()

/** A media message as a transcript line: "[图片] 订单.png". */
export function mediaLine(kind: MediaKind, name: string): string {
  return handoffMessage(`media_${kind}`, { name })
}
