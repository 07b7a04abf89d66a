import { stringify } from 'yaml'
import type { KbEntry } from './schema.js'

/**
 * Reads a spreadsheet export (UTF-8 CSV, BOM tolerated, RFC 4180 quoting, comma or tab) whose
 * header row names the columns: id, q (or question / 问题), keywords (关键词), similar (相似问法),
 * a (or answer / 答案), handoff. List cells separate items with | ; ， or 、.
 */
export function parseCsv(text: string): string[][] {
  const source = text.replace(/^\uFEFF/, '')
  const delimiter =
    (source.split('\n')[0] ?? '').includes('\t') && !(source.split('\n')[0] ?? '').includes(',') ? '\t' : ','
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"' && cell === '') quoted = true
    else if (ch === delimiter) {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && source[i + 1] === '\n') i++
      row.push(cell)
      if (row.some((c) => c.trim() !== '')) rows.push(row)
      row = []
      cell = ''
    } else cell += ch
  }
  row.push(cell)
  if (row.some((c) => c.trim() !== '')) rows.push(row)
  return rows
}

const COLUMNS: Record<string, keyof KbEntry> = {
  id: 'id',
  q: 'q',
  question: 'q',
  问题: 'q',
  keywords: 'keywords',
  关键词: 'keywords',
  similar: 'similar',
  相似问法: 'similar',
  a: 'a',
  answer: 'a',
  答案: 'a',
  handoff: 'handoff',
  转人工: 'handoff',
}

export interface CsvImport {
  entries: Record<string, unknown>[]
  problems: string[]
}

/** Converts CSV rows to knowledge-file entries; each problem names the CSV line. */
export function csvToEntries(text: string): CsvImport {
  const [header, ...rows] = parseCsv(text)
  const problems: string[] = []
  if (!header) return { entries: [], problems: ['the file is empty'] }
  const fields = header.map((h) => COLUMNS[h.trim().toLowerCase()] ?? COLUMNS[h.trim()])
  for (const required of ['q', 'keywords', 'a'] as const) {
    if (!fields.includes(required))
      problems.push(`line 1: no "${required}" column (header: ${header.join(', ')})`)
  }
  if (problems.length > 0) return { entries: [], problems }
  // Keywords are short words, split on any list mark; phrasings contain commas, so only | and ;.
  const list = (cell: string, separators: RegExp) =>
    cell
      .split(separators)
      .map((s) => s.trim())
      .filter(Boolean)
  const entries = rows.map((cells, r) => {
    const entry: Record<string, unknown> = {}
    fields.forEach((field, c) => {
      const cell = (cells[c] ?? '').trim()
      if (!field || cell === '') return
      if (field === 'keywords') entry[field] = list(cell, /[|;；，、,]/)
      else if (field === 'similar') entry[field] = list(cell, /[|;；]/)
      else if (field === 'handoff') entry[field] = /^(1|true|yes|是|y)$/i.test(cell)
      else entry[field] = cell
    })
    entry.id ??= `faq-${String(r + 1).padStart(3, '0')}`
    return entry
  })
  return { entries, problems }
}

export function entriesToYaml(entries: Record<string, unknown>[]): string {
  return `# Imported from a spreadsheet by qunbot faq import. Check it with: qunbot faq ask --kb <dir> "<question>"\n${stringify(entries, { lineWidth: 0 })}`
}
