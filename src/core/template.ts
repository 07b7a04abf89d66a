import type { MessagePart, OutgoingMessage } from './types.js'

/**
 * Operator templates: plain text with `{variable}` placeholders. `{{` and `}}` write literal
 * braces. Each template field declares which variables it offers, and the loader rejects any
 * other name, so a typo is caught when the file is saved, not when the message goes out.
 */
export interface Template {
  source: string
  pieces: ({ text: string } | { variable: string })[]
}

export type TemplateValue = string | number | MessagePart[]

const PLACEHOLDER = /\{\{|\}\}|\{([A-Za-z][A-Za-z0-9]*)\}|\{|\}/g

/** Parses a template; returns the reason when a brace is unbalanced or a variable is not offered. */
export function parseTemplate(source: string, allowed: readonly string[]): Template | { error: string } {
  const pieces: Template['pieces'] = []
  let last = 0
  let text = ''
  for (const match of source.matchAll(PLACEHOLDER)) {
    text += source.slice(last, match.index)
    last = match.index + match[0].length
    if (match[0] === '{{') text += '{'
    else if (match[0] === '}}') text += '}'
    else if (match[1] === undefined)
      return { error: `unbalanced "${match[0]}" (write {{ or }} for a literal brace)` }
    else if (!allowed.includes(match[1])) {
      return {
        error: `unknown template variable {${match[1]}}; this text can use ${allowed.map((a) => `{${a}}`).join(' ')}`,
      }
    } else {
      if (text) pieces.push({ text })
      text = ''
      pieces.push({ variable: match[1] })
    }
  }
  text += source.slice(last)
  if (text) pieces.push({ text })
  return { source, pieces }
}

/** Renders a template; list values (mentions) become real @mention parts. */
export function renderTemplate(
  template: Template,
  values: Record<string, TemplateValue | undefined>,
): OutgoingMessage {
  const parts: MessagePart[] = []
  const pushText = (text: string) => {
    const last = parts[parts.length - 1]
    if (typeof last === 'string') parts[parts.length - 1] = last + text
    else parts.push(text)
  }
  for (const piece of template.pieces) {
    if ('text' in piece) {
      pushText(piece.text)
      continue
    }
    const value = values[piece.variable]
    if (value === undefined) continue
    if (Array.isArray(value)) {
      for (const part of value) typeof part === 'string' ? pushText(part) : parts.push(part)
    } else pushText(String(value))
  }
  return { parts }
}

/** Mentions of several members separated by spaces, for `{mentions}`-style variables. */
export function mentionList(members: { id: string; name: string }[]): MessagePart[] {
  const parts: MessagePart[] = []
  members.forEach((m, i) => {
    if (i > 0) parts.push(' ')
    parts.push({ mention: m.id, name: m.name })
  })
  return parts
}
