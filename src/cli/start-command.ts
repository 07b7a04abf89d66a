import type { Qunbot } from '../app/create-qunbot.js'
import { parseEnv } from '../config/env.js'
import { QunbotError } from '../core/errors.js'
import type { CliCommand } from './commands.js'
import { loadDotEnv } from './environment.js'
import { installSignalHandlers } from './signals.js'

/** `qunbot start`: validate config, migrate, start the bot and the console, stop gracefully. */
export const startCommand: CliCommand = {
  name: ['start'],
  usage: 'start',
  summary: 'run the bot and the operator console (simulator unless a puppet token is set)',
  async run() {
    loadDotEnv()
    const parsed = parseEnv(process.env)
    if (!parsed.ok) {
      console.error('qunbot: the configuration is not valid:')
      for (const line of parsed.errors) console.error(`  - ${line}`)
      console.error('See .env.example for every variable and its allowed values.')
      return 2
    }
    // Loaded here, not at the top: the other commands (sop, faq) should not pay for Wechaty.
    const { createQunbot } = await import('../app/create-qunbot.js')
    let app: Qunbot
    try {
      app = await createQunbot({ config: parsed.config, seedWorld: true })
    } catch (error) {
      if (error instanceof QunbotError) {
        console.error(`qunbot: ${error.code}: ${error.message}`)
        return 1
      }
      throw error
    }
    installSignalHandlers(
      process,
      () => app.shutdown(),
      (code) => process.exit(code),
      app.logger,
    )
    await app.start()
    const address = await app.listen()
    const consoleUrl = `${address.replace('://127.0.0.1', '://localhost')}/#token=${app.adminToken}`
    app.logger.info({ puppet: parsed.config.puppet, address }, 'qunbot is running')
    // The console link carries the token in the fragment, which browsers never send to the server.
    console.log(`\n  qunbot console: ${consoleUrl}\n`)
    if (app.adminTokenGenerated)
      console.log(`  (admin token generated and saved in ${parsed.config.dataDir}/admin-token)\n`)
    return await new Promise<number>(() => {})
  },
}
