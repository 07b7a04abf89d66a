import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADMIN_TOKEN_FILE } from '../storage/data-dir.js'
import { writePrivateFile } from '../storage/private-files.js'

/**
 * The admin token: from the environment if set; otherwise generated once, kept in the data dir
 * (readable by the owner only) and reused on later starts so console links keep working.
 */
export function resolveAdminToken(
  dataDir: string,
  fromEnv: string | undefined,
): { token: string; generated: boolean } {
  if (fromEnv) return { token: fromEnv, generated: false }
  const file = join(dataDir, ADMIN_TOKEN_FILE)
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim()
    if (stored.length >= 16) return { token: stored, generated: false }
  }
  const token = randomBytes(24).toString('base64url')
  writePrivateFile(file, `${token}\n`)
  return { token, generated: true }
}
