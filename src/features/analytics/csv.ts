/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. */
export function toCsv(rows: Record<string, unknown>[], whenEmpty: string[] = []): string {
  const header = rows[0] ? Object.keys(rows[0]) : whenEmpty
  const cell = (v: unknown): string => {
    const text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    // A leading = + - @ would be read as a formula by spreadsheets (CSV injection).
    const safe = /^[=+\-@\t\r]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
  }
  // The byte order mark makes Excel read the file as UTF-8 (Chinese group names).
  return `\uFEFF${[header.join(','), ...rows.map((r) => header.map((c) => cell(r[c])).join(','))].join('\r\n')}\r\n`
}
