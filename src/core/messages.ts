/**
 * Messages qunbot itself writes to operators (terminal, logs, CLI), in Simplified Chinese by
 * default and in English with QUNBOT_LANG=en. Each part keeps its texts in one table, never in
 * its logic.
 */
export type Lang = 'zh' | 'en'

export type MessageTable<K extends string> = Record<Lang, Record<K, string>>

/** The language chosen by QUNBOT_LANG (zh unless it says en). */
export function currentLang(env: NodeJS.ProcessEnv = process.env): Lang {
  return /^en/i.test(env.QUNBOT_LANG ?? '') ? 'en' : 'zh'
}

/** Fills `{name}` placeholders; a missing value leaves the placeholder visible, not blank. */
export function fillMessage(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
    const value = values[name]
    return value === undefined ? whole : String(value)
  })
}

/** A function that looks up and fills one table's texts in the chosen language. */
export function messagesFor<K extends string>(table: MessageTable<K>, lang: Lang = currentLang()) {
  return (key: K, values: Record<string, string | number | undefined> = {}): string =>
    fillMessage(table[lang][key], values)
}
