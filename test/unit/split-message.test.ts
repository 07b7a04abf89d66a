import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { plainText } from '../../src/core/types.js'
import { chunkBytes, splitMessage } from '../../src/outbox/split-message.js'

const text = (parts: (string | { mention: string })[]) =>
  parts.map((p) => (typeof p === 'string' ? p : `<@${p.mention}>`)).join('')

describe('splitMessage', () => {
  it('leaves a short message whole', () => {
    expect(splitMessage({ parts: [{ mention: 'u1' }, ' 你好'] })).toEqual([
      { parts: [{ mention: 'u1' }, ' 你好'] },
    ])
  })

  it('breaks between lines when it can', () => {
    const line = `${'好'.repeat(300)}\n` // 901 bytes
    const chunks = splitMessage(plainText(line.repeat(5)))
    expect(chunks.map((c) => c.parts[0])).toEqual([
      line + line.trimEnd(),
      line + line.trimEnd(),
      line.trimEnd(),
    ])
  })

  it('breaks a single over-long line between characters, never inside an emoji', () => {
    const chunks = splitMessage(plainText('😀'.repeat(1001)))
    expect(chunks).toHaveLength(3)
    for (const c of chunks) {
      const s = c.parts[0] as string
      expect(s.isWellFormed()).toBe(true)
      expect(Buffer.byteLength(s)).toBeLessThanOrEqual(2000)
    }
    expect(chunks.map((c) => c.parts[0]).join('')).toBe('😀'.repeat(1001))
  })

  it('every chunk fits 2000 bytes and the pieces add back up to the text (property)', () => {
    const unit = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.constantFrom('\n', '好', '😀', 'a'),
      fc.string({ unit: 'binary', maxLength: 30 }),
    )
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 400 }), fc.integer({ min: 8, max: 2000 }), (pieces, max) => {
        const original = pieces.join('')
        const chunks = splitMessage(plainText(original), max)
        for (const c of chunks) expect(chunkBytes(c)).toBeLessThanOrEqual(max)
        // Only newlines at chunk boundaries may be dropped.
        expect(
          chunks
            .map((c) => text(c.parts))
            .join('')
            .replace(/\n/g, ''),
        ).toBe(original.replace(/\n/g, ''))
      }),
      { numRuns: 300 },
    )
  })
})

describe('splitMessage packing', () => {
  it('packs ASCII lines up to the byte limit, not a worst-case estimate', () => {
    const line = `${'a'.repeat(99)}\n`
    const chunks = splitMessage(plainText(line.repeat(40)))
    expect(chunks).toHaveLength(2)
    expect(chunkBytes(chunks[0] ?? { parts: [] })).toBeGreaterThan(1900)
  })
})
