import { normalizeText } from '../../../core/normalize-text.js'
import type { MessageKind } from '../../../core/types.js'
import type { SopTask } from '../schema.js'

/** What a task rule looks at in a message. */
export interface TaskMessage {
  kind: MessageKind
  text: string
}

/**
 * Whether a message completes a task: a media task (`kind`) by a message of that kind; a text task
 * by typed text for which every condition given holds (contains any of the words, equals one of
 * them, matches the pattern, has at least minLength characters). Tasks without a `done` rule are
 * completed only by staff or the API.
 */
export function completesTask(task: SopTask, message: TaskMessage): boolean {
  const rule = task.done
  if (!rule) return false
  if (rule.kind) return message.kind === rule.kind
  if (message.kind !== 'text' && message.kind !== 'quote') return false
  const { text } = message
  const normalized = normalizeText(text)
  if (rule.contains && !rule.contains.some((w) => normalized.includes(normalizeText(w)))) return false
  if (rule.equals && !rule.equals.some((w) => normalized === normalizeText(w))) return false
  if (rule.regex && !rule.regex.test(text)) return false
  if (rule.minLength && [...text.trim()].length < rule.minLength) return false
  return true
}

/** The tasks this message completes among those still pending. */
export function tasksCompletedBy(
  tasks: readonly SopTask[],
  done: ReadonlySet<string>,
  message: TaskMessage,
): SopTask[] {
  return tasks.filter((t) => !done.has(t.id) && completesTask(t, message))
}
