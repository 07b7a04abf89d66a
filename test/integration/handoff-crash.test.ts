import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
const TOKEN = 'crash-test-admin-token-0123456789'

/**
 * Kills the bot (SIGKILL, no shutdown) while a webhook delivery is in flight, restarts it on the
 * same data dir, and checks the receiver got every event, each under one webhook-id.
 */
describe('handoff webhooks across a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-crash-'))
  const received: string[] = []
  let holdFirst: (() => void) | undefined
  let firstArrived: () => void = () => {}
  const firstArrival = new Promise<void>((r) => (firstArrived = r))
  let server: Server
  let child: ChildProcess | undefined

  const start = async (): Promise<string> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), 'start'], {
      cwd: root,
      env: {
        ...process.env,
        QUNBOT_DATA_DIR: join(dir, 'data'),
        QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'),
        QUNBOT_ADMIN_TOKEN: TOKEN,
        QUNBOT_PORT: '0',
        LOG_LEVEL: 'warn',
      },
    })
    child = proc
    let out = ''
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start:\n${out}`)), 40_000)
      proc.stderr?.on('data', (d) => (out += d))
      proc.stdout?.on('data', (d) => {
        out += d
        const m = /qunbot 控制台：(http:\/\/localhost:\d+)/.exec(out)
        if (m?.[1]) {
          clearTimeout(timer)
          resolve(m[1])
        }
      })
    })
  }
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever JSON the API returns
  const call = async (base: string, method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return res.status === 204 ? undefined : res.json()
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        received.push(String(req.headers['webhook-id']))
        if (received.length === 1) {
          // Hold the first delivery open: the bot is killed while it waits for the answer.
          holdFirst = () => res.destroy()
          firstArrived()
          return
        }
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'triggers: { keywords: [转人工] }',
        'texts: { opened: "{mention} 已转人工", askRating: "{mention} 请打分" }',
        `webhooks: [{ name: staff, url: "${url}", secret: "whsec_Y3Jhc2gtdGVzdC1zZWNyZXQtb2YtMjQrIGJ5dGVz", events: [handoff.opened], allowPrivate: true }]`,
      ].join('\n'),
    )
  })
  afterAll(async () => {
    child?.kill('SIGKILL')
    holdFirst?.()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('loses no event and gives each one a single webhook-id', async () => {
    let base = await start()
    const room = await call(base, 'POST', '/api/sim/rooms', { topic: '服务群', members: ['甲', '乙', '丙'] })
    for (const m of room.members)
      await call(base, 'POST', `/api/sim/rooms/${room.id}/messages`, { from: m.id, text: '转人工' })
    await call(base, 'POST', '/api/sim/settle')
    await firstArrival
    child?.kill('SIGKILL')
    await new Promise((r) => child?.once('exit', r))
    holdFirst?.()

    base = await start()
    const deadline = Date.now() + 30_000
    while (new Set(received).size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const tickets = await call(base, 'GET', '/api/handoff/tickets')
    expect(tickets.tickets).toHaveLength(3)
    // Each event has one id; the one in flight at the crash was sent again under the same id.
    expect(new Set(received).size).toBe(3)
    expect(received.length).toBeGreaterThanOrEqual(3)
    expect(received.length).toBeLessThanOrEqual(4)
    child?.kill('SIGTERM')
    await new Promise((r) => child?.once('exit', r))
  }, 120_000)
})
