import type { MessagePart, OutgoingMessage } from './types.js'

/**
 * The ways a group message can ping every member (@所有人). Platforms spell it as a mention id
 * (WeChat's `notify@all` and `announcement@all`, `@all` on WeCom puppets, the group's own id in
 * Wechaty's planned design) and some puppets turn the text "@所有人" / "@all" into one. Text
 * qunbot sends on behalf of staff and alerts that carry member names must do neither: a
 * member named "@所有人" or a staff reply would otherwise ping hundreds of people.
 */
const EVERYONE_IDS = new Set(['notify@all', 'announcement@all', '@all'])

/**
 * "@所有人", "@全体成员", "@all", "@everyone" (full-width ＠ too) where they are a mention, not
 * part of an e-mail address or a longer word. One character class each side: linear time.
 */
const EVERYONE_TEXT = /(?<![A-Za-z0-9._%+-])[@＠](?:所有人|全体成员|all|everyone)(?![A-Za-z0-9_])/giu

const EVERYONE_ONCE = new RegExp(EVERYONE_TEXT.source, 'iu')

/** True when `id` (a mention part's member id) means everyone in `roomId`. */
export function isEveryoneId(id: string, roomId: string): boolean {
  return EVERYONE_IDS.has(id.toLowerCase()) || id === roomId
}

/** True when the text @mentions everyone. */
export function mentionsEveryone(text: string): boolean {
  return EVERYONE_ONCE.test(text)
}

/** The text with each @everyone made plain words ("@所有人" -> "所有人"). */
export function defuseEveryoneText(text: string): string {
  return text.replace(EVERYONE_TEXT, (whole) => whole.slice(1))
}

/**
 * The message with no way to ping everyone: text mentions lose their @, and mention parts that
 * mean everyone become the plain name (or nothing). Real mentions of members are kept.
 */
export function withoutEveryone(roomId: string, message: OutgoingMessage): OutgoingMessage {
  const parts: MessagePart[] = []
  for (const part of message.parts) {
    if (typeof part === 'string') parts.push(defuseEveryoneText(part))
    else if (!isEveryoneId(part.mention, roomId)) parts.push(part)
    else if (part.name) parts.push(defuseEveryoneText(part.name))
  }
  return { parts }
}
