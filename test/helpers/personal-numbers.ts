/**
 * Generators' building blocks for personal numbers written as members write them, shared by the
 * masker's unit test and the whole-app masking property test.
 */
import fc from 'fast-check'

export const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''))

/** Luhn check digit, so generated cards pass the check real cards pass. */
export function luhnDigit(partial: string): string {
  let sum = 0
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i])
    if (i % 2 === 0) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return String((10 - (sum % 10)) % 10)
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
/** GB 11643-1999: the 18th character is the ISO 7064 MOD 11-2 check of the first 17. */
export function idCheckChar(body17: string): string {
  const sum = [...body17].reduce((s, d, i) => s + Number(d) * (ID_WEIGHTS[i] ?? 0), 0)
  return '10X98765432'[sum % 11] as string
}

/**
 * Every way people separate the groups of a number: none, space, '-', '.', '_', en and em dashes,
 * full-width space, hyphen and full stop, no-break space, and an invisible zero-width space.
 */
export const SEPARATORS = [
  '',
  ' ',
  '-',
  '.',
  '_',
  '\u2013',
  '\u2014',
  '\u3000',
  '\uff0d',
  '\uff0e',
  '\u00a0',
  '\u200b',
]
