/**
 * Secrets that must never be written anywhere: the puppet token above all. Our logger scrubs them
 * from every line; `guardProcessOutput` does the same for what libraries print straight to the
 * terminal (Wechaty's own logger, console.error in wechaty-token), which no logger option reaches.
 */
const secrets = new Set<string>()

/** Registers a secret; short values are ignored (they would blank ordinary words). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value)
}

export function forgetSecrets(): void {
  secrets.clear()
}

/** Replaces every registered secret (also URL-encoded) with `***`. */
export function scrubSecrets(text: string): string {
  if (secrets.size === 0) return text
  let out = text
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***')
    const encoded = encodeURIComponent(secret)
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('***')
  }
  return out
}

type Write = typeof process.stdout.write

/** Wraps process.stdout and process.stderr so whatever goes through them is scrubbed. Idempotent. */
export function guardProcessOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const marked = stream as typeof stream & { __qunbotScrubbed?: boolean }
    if (marked.__qunbotScrubbed) continue
    marked.__qunbotScrubbed = true
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (secrets.size > 0) {
        if (typeof chunk === 'string') chunk = scrubSecrets(chunk)
        else if (chunk instanceof Uint8Array) chunk = scrubSecrets(Buffer.from(chunk).toString('utf8'))
      }
      return original(chunk, ...rest)
    }) as Write
  }
}
