#!/usr/bin/env node
import { backupCommand, restoreCommand } from './cli/backup-commands.js'
import { banAddCommand, banListCommand, banRemoveCommand } from './cli/ban-commands.js'
import { type CliCommand, renderHelp, selectCommand } from './cli/commands.js'
import { faqAskCommand, faqGapsCommand, faqImportCommand } from './cli/faq-commands.js'
import { outboxListCommand, outboxRetryCommand } from './cli/outbox-commands.js'
import { memberDeleteCommand, memberExportCommand } from './cli/privacy-commands.js'
import { sopCheckCommand, sopPreviewCommand } from './cli/sop-commands.js'
import { startCommand } from './cli/start-command.js'
import { VERSION } from './version.js'

const commands: CliCommand[] = [
  startCommand,
  sopCheckCommand,
  sopPreviewCommand,
  faqAskCommand,
  faqGapsCommand,
  faqImportCommand,
  memberExportCommand,
  memberDeleteCommand,
  banAddCommand,
  banRemoveCommand,
  banListCommand,
  outboxListCommand,
  outboxRetryCommand,
  backupCommand,
  restoreCommand,
]

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(renderHelp(commands, VERSION))
    return argv.length === 0 ? 1 : 0
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    console.log(VERSION)
    return 0
  }
  const selected = selectCommand(commands, argv)
  if (!selected) {
    console.error(`qunbot: unknown command "${argv.join(' ')}"\n`)
    console.error(renderHelp(commands, VERSION))
    return 2
  }
  return selected.command.run(selected.rest)
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error('qunbot: fatal:', error)
    process.exit(1)
  },
)
