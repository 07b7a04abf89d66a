import type { MessageContext } from '../core/context.js'
import type { SendPort } from '../core/feature.js'
import type { Logger } from '../core/logger.js'
import { type InboundMessage, mentionThenText, type OutgoingMessage, type Room } from '../core/types.js'
import type { AnswerLedger } from './answer-ledger.js'

export function createMessageContext(
  message: InboundMessage,
  now: number,
  sender: SendPort,
  log: Logger,
  /** Told the outbox ids of what is sent through this context (the message's answers). */
  answers?: AnswerLedger,
): MessageContext {
  const room: Room = { id: message.roomId, topic: message.roomTopic }
  let answered = false
  let childLog: Logger | undefined
  return {
    message,
    room,
    now,
    get log() {
      // Child loggers cost an allocation; only stages that log pay for one.
      childLog ??= log.child({ roomId: message.roomId, messageId: message.id })
      return childLog
    },
    reply(text: string) {
      answered = true
      const ids = sender.send(message.roomId, mentionThenText([message.sender.id], text))
      answers?.note(message.id, message.roomId, message.sender.id, ids)
    },
    send(outgoing: OutgoingMessage) {
      const ids = sender.send(message.roomId, outgoing)
      answers?.note(message.id, message.roomId, message.sender.id, ids)
    },
    get answered() {
      return answered
    },
    notes: new Map(),
  }
}
