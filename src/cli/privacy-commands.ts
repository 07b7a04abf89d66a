import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { loadYamlFileOrDefaults } from '../config/load-yaml.js'
import { systemClock } from '../core/clock.js'
import { silentLogger } from '../core/logger.js'
import { openDatabase } from '../db/client.js'
import { createMemberRights, type MemberRights } from '../features/privacy/member-rights.js'
import { privacyConfigSchema } from '../features/privacy/schema.js'
import type { CliCommand } from './commands.js'
import { existingDatabaseFile } from './environment.js'

// Both commands work on the database file directly. SQLite (WAL) makes that safe while the bot
// runs, but the running bot may still hold a few buffered message rows and a member's later
// messages: stop the bot first, or use the API (GET /api/members/:id/export, DELETE /api/members/:id).

/** Opens the bot's database and runs `work` with the members' rights over it; closes it after. */
function withRights(work: (rights: MemberRights) => number): number {
  const file = existingDatabaseFile()
  if (!file) return 2
  // The anonymous name erased members get, as the bot would use it.
  const privacyFile = process.env.QUNBOT_PRIVACY_FILE ?? './privacy.yaml'
  const { erasure } = loadYamlFileOrDefaults(privacyFile, privacyConfigSchema)
  const db = openDatabase(file)
  try {
    const rights = createMemberRights(db, systemClock, silentLogger, {
      ...(erasure ? { anonymousName: erasure.anonymousName } : {}),
      beforeRead: () => {},
    })
    return work(rights)
  } finally {
    db.$client.close()
  }
}

/** `qunbot member export <memberId> [--out file]`: everything stored about a member, as JSON. */
export const memberExportCommand: CliCommand = {
  name: ['member', 'export'],
  usage: 'member export <memberId> [--out file.json]',
  summary: 'print (or write) everything stored about a member as JSON; stop the bot first, or use the API',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string' } },
    })
    const [memberId] = positionals
    if (!memberId || positionals.length > 1) {
      console.error('usage: qunbot member export <memberId> [--out file.json]')
      return 2
    }
    return withRights((rights) => {
      const data = rights.export(memberId)
      if (!data) {
        console.error(`qunbot: nothing is stored about member ${memberId}`)
        return 1
      }
      const json = `${JSON.stringify(data, null, 2)}\n`
      if (values.out) {
        writeFileSync(values.out, json)
        const rows = Object.values(data.tables).reduce((sum, rows) => sum + rows.length, 0)
        console.log(`wrote ${rows} rows about ${memberId} to ${values.out}`)
      } else {
        process.stdout.write(json)
      }
      return 0
    })
  },
}

/** `qunbot member delete <memberId> --yes`: erases a member's data (PIPL deletion request). */
export const memberDeleteCommand: CliCommand = {
  name: ['member', 'delete'],
  usage: 'member delete <memberId> --yes',
  summary:
    "erase a member's data (tickets, moderation log, bans kept anonymised); stop the bot first, or use the API",
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { yes: { type: 'boolean', default: false }, actor: { type: 'string', default: 'cli' } },
    })
    const [memberId] = positionals
    if (!memberId || positionals.length > 1) {
      console.error('usage: qunbot member delete <memberId> --yes')
      return 2
    }
    if (!values.yes) {
      console.error(
        `qunbot: erasing ${memberId}'s data cannot be undone; run "qunbot member export ${memberId}" first if a copy is needed, then add --yes`,
      )
      return 2
    }
    return withRights((rights) => {
      const report = rights.erase(memberId, values.actor)
      if (!report) {
        console.error(`qunbot: nothing is stored about member ${memberId}`)
        return 1
      }
      console.log(JSON.stringify(report, null, 2))
      return 0
    })
  },
}
