import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createTcpServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, TestGateway, waitFor } from '../helpers/grpc-gateway.js'

// `qunbot start` as an operator runs it against a real gRPC gateway set up wrong: each mistake
// gets one line that names what to change, qunbot keeps retrying instead of crashing or sitting
// in "starting", and the puppet token never appears in anything it prints.

const root = new URL('../..', import.meta.url).pathname
const qunbot = ['--import', 'tsx', join(root, 'src/main.ts'), 'start']
const TOKEN = 'insecure_startup-test-token-7f3a9c'

interface Run {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

function startQunbot(env: Record<string, string>, dataDir: string): Run {
  let output = ''
  const child = spawn(process.execPath, qunbot, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dataDir,
      QUNBOT_DATA_DIR: dataDir,
      QUNBOT_PORT: '0',
      QUNBOT_PUPPET: 'service',
      QUNBOT_RECONNECT_MAX_MS: '1000',
      LOG_LEVEL: 'debug',
      ...env,
    },
  })
  child.stdout?.on('data', (c) => {
    output += c
  })
  child.stderr?.on('data', (c) => {
    output += c
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

/** Lines at warn level (pino's 40) that carry a classified connection failure. */
function failureLines(output: string, code: string): string[] {
  return output.split('\n').filter((l) => l.includes(`"code":"${code}"`) && l.includes('"level":40'))
}

describe('qunbot start against a gateway set up wrong', () => {
  let dataDir: string
  let run: Run | undefined
  const gateways: TestGateway[] = []

  const gateway = async (tls: boolean, token = TOKEN) => {
    const g = new TestGateway(`127.0.0.1:${await freePort()}`, token, tls)
    g.loginBot()
    await g.open()
    gateways.push(g)
    return g
  }

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qunbot-startup-'))
  })
  afterEach(async () => {
    run?.child.kill('SIGKILL')
    await run?.exited
    run = undefined
  })
  afterAll(async () => {
    for (const g of gateways) await g.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const expectRetryingWithOneLine = async (r: Run, code: string, hint: RegExp) => {
    await waitFor(() => failureLines(r.output(), code).length > 0, 30_000, `a ${code} line`)
    // Still running and still trying: debug lines record each later attempt with the same cause.
    await waitFor(
      () =>
        r
          .output()
          .split('\n')
          .filter((l) => l.includes(`"code":"${code}"`)).length >= 3,
      20_000,
      `retries after ${code}`,
    )
    expect(r.child.exitCode).toBeNull()
    const warnings = failureLines(r.output(), code)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(hint)
    expect(r.output()).not.toContain(TOKEN)
    expect(r.output()).not.toContain('startup-test-token')
  }

  it('a wrong token: one line naming WECHATY_PUPPET_SERVICE_TOKEN, retries, token never printed', async () => {
    const g = await gateway(false, 'insecure_the-gateway-token-0000')
    run = startQunbot(
      {
        WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
        WECHATY_PUPPET_SERVICE_ENDPOINT: g.endpoint,
        WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
      },
      join(dataDir, 'wrong-token'),
    )
    await expectRetryingWithOneLine(run, 'auth_rejected', /WECHATY_PUPPET_SERVICE_TOKEN/)
  }, 60_000)

  it('TLS on in qunbot, off on the gateway: one line naming the TLS setting, retries', async () => {
    const g = await gateway(false)
    run = startQunbot(
      { WECHATY_PUPPET_SERVICE_TOKEN: TOKEN, WECHATY_PUPPET_SERVICE_ENDPOINT: g.endpoint },
      join(dataDir, 'tls-client'),
    )
    await expectRetryingWithOneLine(run, 'tls_mismatch', /WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT/)
  }, 60_000)

  it('TLS off in qunbot, on at the gateway: one line naming the TLS setting, retries', async () => {
    const g = await gateway(true)
    run = startQunbot(
      {
        WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
        WECHATY_PUPPET_SERVICE_ENDPOINT: g.endpoint,
        WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
      },
      join(dataDir, 'tls-server'),
    )
    await expectRetryingWithOneLine(run, 'tls_mismatch', /WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT/)
  }, 60_000)

  it('token discovery unreachable: caught, one line naming WECHATY_PUPPET_SERVICE_ENDPOINT, retries', async () => {
    const closed = await freePort()
    run = startQunbot(
      {
        WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_provider_startup-test-token-7f3a9c',
        WECHATY_PUPPET_SERVICE_AUTHORITY: `127.0.0.1:${closed}`,
      },
      join(dataDir, 'discovery'),
    )
    await waitFor(
      () => failureLines(run?.output() ?? '', 'discovery_failed').length > 0,
      30_000,
      'discovery line',
    )
    await waitFor(
      () =>
        (run?.output() ?? '').split('\n').filter((l) => l.includes('"code":"discovery_failed"')).length >= 3,
      20_000,
      'discovery retries',
    )
    expect(run.child.exitCode).toBeNull()
    expect(run.output()).not.toMatch(/TypeError|listener\.onError/)
    expect(failureLines(run.output(), 'discovery_failed')[0]).toMatch(/WECHATY_PUPPET_SERVICE_ENDPOINT/)
    expect(run.output()).not.toContain('startup-test-token')
  }, 60_000)

  it('a token without an SNI prefix is a configuration error before anything starts', () => {
    const res = spawnSync(process.execPath, qunbot, {
      cwd: root,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        QUNBOT_DATA_DIR: join(dataDir, 'sni'),
        QUNBOT_PUPPET: 'service',
        WECHATY_PUPPET_SERVICE_TOKEN: 'startupTestTokenWithoutPrefix',
        WECHATY_PUPPET_SERVICE_ENDPOINT: '127.0.0.1:1',
      },
    })
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/insecure_<令牌>/)
    expect(res.stdout + res.stderr).not.toContain('startupTestTokenWithoutPrefix')
  })

  it('a busy port fails before the puppet starts: the gateway is never contacted', async () => {
    // A plain TCP listener stands for the gateway and counts connections.
    let contacts = 0
    const fakeGateway: Server = createTcpServer((socket) => {
      contacts++
      socket.destroy()
    })
    await new Promise<void>((r) => fakeGateway.listen(0, '127.0.0.1', r))
    const gatewayPort = (fakeGateway.address() as { port: number }).port
    const busy: Server = createTcpServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r))
    const busyPort = (busy.address() as { port: number }).port
    try {
      run = startQunbot(
        {
          WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
          WECHATY_PUPPET_SERVICE_ENDPOINT: `127.0.0.1:${gatewayPort}`,
          QUNBOT_PORT: String(busyPort),
        },
        join(dataDir, 'busy'),
      )
      expect(await run.exited).toBe(1)
      expect(run.output()).toContain(`端口 ${busyPort} 已被占用`)
      expect(run.output()).not.toMatch(/EADDRINUSE.*\n\s+at /)
      expect(contacts).toBe(0)
    } finally {
      fakeGateway.close()
      busy.close()
    }
  }, 60_000)

  it('a data directory that cannot be written is one line naming QUNBOT_DATA_DIR', () => {
    const file = join(dataDir, 'a-file')
    writeFileSync(file, 'not a directory')
    const res = spawnSync(process.execPath, qunbot, {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', QUNBOT_DATA_DIR: join(file, 'data') },
    })
    expect(res.status).toBe(1)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(/QB_DATA_DIR: .*QUNBOT_DATA_DIR/)
  })
})
