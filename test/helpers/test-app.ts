import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createQunbot, type Qunbot } from '../../src/app/create-qunbot.js'
import { type AppConfig, parseEnv } from '../../src/config/env.js'
import { createLogger } from '../../src/logging/create-logger.js'

export const TEST_TOKEN = 'test-admin-token-0123456789'

/** A config for tests: a fresh temp data dir, the mock puppet, a known admin token. */
export function createTestConfig(env: Record<string, string> = {}): AppConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-test-'))
  const parsed = parseEnv({
    QUNBOT_PUPPET: 'mock',
    QUNBOT_DATA_DIR: dataDir,
    QUNBOT_ADMIN_TOKEN: TEST_TOKEN,
    QUNBOT_PORT: '0',
    LOG_LEVEL: 'silent',
    // Tests that check 401s on every route would trip the token-guessing limit; its own test sets it.
    QUNBOT_AUTH_FAILURES_PER_MINUTE: '10000',
    // Moderation and privacy stay off unless a test turns them on: their example rules (flood
    // limits, a notice in every new group) would change what other tests see.
    QUNBOT_MODERATION_DIR: join(dataDir, 'no-moderation'),
    QUNBOT_PRIVACY_FILE: join(dataDir, 'no-privacy.yaml'),
    // Analytics still records (default time zone); the weekly report stays off.
    QUNBOT_ANALYTICS_FILE: join(dataDir, 'no-analytics.yaml'),
    // Daily backups would run in every test that moves the simulated clock over 04:00.
    QUNBOT_BACKUP: 'off',
    ...env,
  })
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.config
}

export interface TestApp extends Qunbot {
  sim: NonNullable<Qunbot['sim']>
  /** Calls the API through Fastify's inject with the admin token. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns
  api(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: any }>
  /** Shuts down and deletes the data dir. */
  close(): Promise<void>
  /** Shuts down and keeps the data dir, to start again on it (a restart). */
  stop(): Promise<void>
}

/** A started qunbot on the mock puppet: real Wechaty, real SQLite file, real Fastify (not listening). */
export async function startTestApp(env: Record<string, string> = {}, seedWorld = false): Promise<TestApp> {
  const config = createTestConfig(env)
  const app = await createQunbot({ config, logger: createLogger('silent'), seedWorld })
  await app.start()
  if (!app.sim) throw new Error('test app must run the simulator')
  const api: TestApp['api'] = async (method, url, body) => {
    const res = await app.server.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
      ...(body === undefined ? {} : { payload: body as object }),
    })
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined }
  }
  return Object.assign(app, {
    sim: app.sim,
    api,
    async close() {
      await app.shutdown()
      rmSync(config.dataDir, { recursive: true, force: true })
    },
    async stop() {
      await app.shutdown()
    },
  })
}
