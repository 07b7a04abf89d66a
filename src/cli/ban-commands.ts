import { parseArgs } from 'node:util'
import { openDatabase } from '../db/client.js'
import { createModerationRepository } from '../features/moderation/moderation-repository.js'
import type { CliCommand } from './commands.js'
import { existingDatabaseFile } from './environment.js'

const LIST = /^[A-Za-z0-9_-]{1,40}$/

function openRepo() {
  const file = existingDatabaseFile()
  if (!file) return undefined
  const db = openDatabase(file)
  return { repo: createModerationRepository(db), close: () => db.$client.close() }
}

/** `qunbot ban add <list> <memberId> --reason <text> [--name <name>]` */
export const banAddCommand: CliCommand = {
  name: ['ban', 'add'],
  usage: 'ban add <list> <memberId> --reason "<why>" [--name <name>] [--by <who>]',
  summary: 'ban a member on a list: removed on join, on their next message, and when the bot logs in',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        reason: { type: 'string' },
        name: { type: 'string' },
        by: { type: 'string', default: 'cli' },
      },
    })
    const [list, memberId] = positionals
    if (!list || !memberId || !values.reason?.trim()) {
      console.error(`usage: qunbot ${banAddCommand.usage}`)
      return 2
    }
    if (!LIST.test(list)) {
      console.error(`qunbot: ban list "${list}" must use letters, digits, - and _ (at most 40)`)
      return 2
    }
    const opened = openRepo()
    if (!opened) return 2
    const { repo, close } = opened
    try {
      repo.addBan({
        list,
        memberId,
        memberName: values.name ?? null,
        reason: values.reason.trim(),
        addedBy: values.by,
        addedAt: Date.now(),
      })
      console.log(`banned ${memberId} on ${list}`)
      return 0
    } finally {
      close()
    }
  },
}

/** `qunbot ban remove <list> <memberId>` */
export const banRemoveCommand: CliCommand = {
  name: ['ban', 'remove'],
  usage: 'ban remove <list> <memberId>',
  summary: 'lift a ban',
  async run(args) {
    const [list, memberId] = args
    if (!list || !memberId) {
      console.error(`usage: qunbot ${banRemoveCommand.usage}`)
      return 2
    }
    const opened = openRepo()
    if (!opened) return 2
    const { repo, close } = opened
    try {
      if (!repo.removeBan(list, memberId)) {
        console.error(`qunbot: ${memberId} is not on ban list ${list}`)
        return 1
      }
      console.log(`lifted the ban on ${memberId} (${list})`)
      return 0
    } finally {
      close()
    }
  },
}

/** `qunbot ban list [list] [--json]` */
export const banListCommand: CliCommand = {
  name: ['ban', 'list'],
  usage: 'ban list [list] [--json]',
  summary: 'show ban list entries',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false } },
    })
    const opened = openRepo()
    if (!opened) return 2
    const { repo, close } = opened
    try {
      const bans = repo.bans(positionals[0])
      if (values.json) console.log(JSON.stringify(bans, null, 2))
      else if (bans.length === 0) console.log('no bans')
      else
        for (const b of bans)
          console.log(
            `${b.list}\t${b.memberId}\t${b.memberName ?? '-'}\t${new Date(b.addedAt).toISOString()}\t${b.addedBy}\t${b.reason}`,
          )
      return 0
    } finally {
      close()
    }
  },
}
