import { parseArgs } from 'node:util'
import type { Qunbot } from '../app/create-qunbot.js'
import { QR_LIFETIME_MS, renderTerminalQr } from '../app/login-qr.js'
import { parseEnv } from '../config/env.js'
import { QunbotError } from '../core/errors.js'
import type { ConnectionStatus } from '../core/types.js'
import { guardProcessOutput, registerSecret } from '../logging/secrets.js'
import { storageMessage } from '../storage/storage-messages.js'
import type { CliCommand } from './commands.js'
import { loadDotEnv } from './environment.js'
import { installSignalHandlers } from './signals.js'
import { startMessage } from './start-messages.js'

/** `qunbot start`: validate config, migrate, start the bot and the console, stop gracefully. */
export const startCommand: CliCommand = {
  name: ['start'],
  usage: 'start [--fresh]',
  summary:
    'run the bot and the operator console (simulator unless a puppet token is set); --fresh: on an empty database even when a previous run left data',
  async run(args) {
    let fresh = false
    try {
      fresh = parseArgs({ args, options: { fresh: { type: 'boolean', default: false } } }).values.fresh
    } catch {
      loadDotEnv()
      console.error(storageMessage('start_usage'))
      return 2
    }
    loadDotEnv()
    // Before anything can print it: the puppet token never reaches the terminal or a log.
    registerSecret(process.env.WECHATY_PUPPET_SERVICE_TOKEN)
    guardProcessOutput()
    const parsed = parseEnv(process.env)
    if (!parsed.ok) {
      console.error(startMessage('config_invalid'))
      for (const line of parsed.errors) console.error(`  - ${line}`)
      console.error(startMessage('config_hint'))
      return 2
    }
    const { config } = parsed
    // Loaded here, not at the top: the other commands (sop, faq) should not pay for Wechaty.
    const { createQunbot } = await import('../app/create-qunbot.js')
    let app: Qunbot
    try {
      app = await createQunbot({ config, seedWorld: true, freshDatabase: fresh })
    } catch (error) {
      if (error instanceof QunbotError) {
        console.error(`qunbot: ${error.code}: ${error.message}`)
        return 1
      }
      throw error
    }
    // Listen before the account starts: a busy port must never cost a login.
    let address: string
    try {
      address = await app.listen()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      console.error(
        code === 'EADDRINUSE'
          ? startMessage('port_in_use', { port: config.port })
          : startMessage('listen_failed', {
              host: config.host,
              port: config.port,
              reason: (error as Error).message,
            }),
      )
      await app.shutdown().catch(() => {})
      return 1
    }
    installSignalHandlers(
      process,
      () => app.shutdown(),
      (code) => process.exit(code),
      app.logger,
    )
    if (!app.sim) {
      console.log(startMessage('connecting', { target: app.platformTarget }))
      printQrWhenAsked(app)
    }
    await app.start()
    const consoleUrl = `${address.replace('://127.0.0.1', '://localhost')}/#token=${app.adminToken}`
    app.logger.info({ puppet: config.puppet, address }, 'qunbot is running')
    // The console link carries the token in the fragment, which browsers never send to the server.
    console.log(`\n  ${startMessage('console', { url: consoleUrl })}\n`)
    if (app.adminTokenGenerated)
      console.log(`  ${startMessage('token_saved', { file: `${config.dataDir}/admin-token` })}\n`)
    return await new Promise<number>(() => {})
  },
}

/** Prints each new login QR code as a scannable code in the terminal. */
function printQrWhenAsked(app: Qunbot): void {
  let shown: string | undefined
  app.onConnection((status: ConnectionStatus) => {
    if (status.state !== 'login_required' || !status.qrcode || status.qrcode === shown) return
    shown = status.qrcode
    const expires = new Date((status.qrcodeAt ?? Date.now()) + QR_LIFETIME_MS).toLocaleTimeString('zh-CN')
    renderTerminalQr(status.qrcode).then(
      (art) =>
        console.log(
          `\n${startMessage('scan_now')}\n${art}${startMessage('qr_expires', { time: expires })}\n`,
        ),
      (error) => app.logger.warn({ err: error }, 'could not draw the QR code; the console shows it'),
    )
  })
}
