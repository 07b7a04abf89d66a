import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** Reads `.env` from the working directory, as `qunbot start` does (set variables win). */
export function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env')
}

/**
 * The bot's database file from QUNBOT_DATA_DIR (and `.env`), or undefined after saying why: a
 * command must not create an empty database somewhere else and report success on it.
 */
export function existingDatabaseFile(): string | undefined {
  loadDotEnv()
  const file = join(process.env.QUNBOT_DATA_DIR ?? './data', 'qunbot.sqlite')
  if (existsSync(file)) return file
  console.error(`qunbot: no database at ${file} (set QUNBOT_DATA_DIR, or start the bot once)`)
  return undefined
}
