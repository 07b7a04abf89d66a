import { describe, expect, it } from 'vitest'
import { toCsv } from '../../src/features/analytics/csv.js'

describe('toCsv', () => {
  it('writes a BOM, a header from the rows, and RFC 4180 quoting', () => {
    expect(toCsv([{ topic: '读书会, 一群', note: 'say "hi"\nnow', n: 3, empty: null }])).toBe(
      '\uFEFFtopic,note,n,empty\r\n"读书会, 一群","say ""hi""\nnow",3,\r\n',
    )
  })

  it('keeps the header of a table without rows', () => {
    expect(toCsv([], ['pollId', 'votes'])).toBe('\uFEFFpollId,votes\r\n')
  })

  it('defuses cells a spreadsheet would run as a formula, but not negative numbers', () => {
    expect(toCsv([{ a: '=HYPERLINK("x")', b: '+1+1', c: '@SUM(A1)', d: -5, e: '-3' }])).toBe(
      `\uFEFFa,b,c,d,e\r\n"'=HYPERLINK(""x"")",'+1+1,'@SUM(A1),-5,-3\r\n`,
    )
  })
})
