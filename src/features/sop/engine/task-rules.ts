import { normalizeText } from '../../../core/normalize-text.js'
import type { SopTask } from '../schema.js'

/**
 * Whether a message completes a task: every condition given must hold (contains any of the
 * words, equals one of them, matches the pattern, has at least minLength characters). Tasks
 * without a `done` rule are completed only by staff or the API.
 */
export function completesTask(task: SopTask, text: string): boolean {
  const rule = task.done
  if (!rule) return false
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
  text: string,
): SopTask[] {
  return tasks.filter((t) => !done.has(t.id) && completesTask(t, text))
}
