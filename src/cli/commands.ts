/** A `qunbot` subcommand. Later features add theirs to the list in `src/main.ts`. */
export interface CliCommand {
  /** Words that select the command, for example ["start"] or ["faq", "ask"]. */
  name: string[]
  usage: string
  summary: string
  run(args: string[]): Promise<number>
}

export function renderHelp(commands: CliCommand[], version: string): string {
  const width = Math.max(...commands.map((c) => c.usage.length))
  return [
    `qunbot ${version}: runs WeChat / WeCom community groups`,
    '',
    'Usage:',
    ...commands.map((c) => `  qunbot ${c.usage.padEnd(width)}  ${c.summary}`),
    `${'  qunbot --help'.padEnd(width + 10)}  this help`,
    `${'  qunbot --version'.padEnd(width + 10)}  print the version`,
    '',
    'Configuration comes from the environment (and a .env file in the working directory);',
    'see .env.example for every variable.',
  ].join('\n')
}

/** Finds the command whose name is the longest prefix of argv. */
export function selectCommand(
  commands: CliCommand[],
  argv: string[],
): { command: CliCommand; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.length - a.name.length)
  for (const command of sorted) {
    if (command.name.every((word, i) => argv[i] === word))
      return { command, rest: argv.slice(command.name.length) }
  }
  return undefined
}
