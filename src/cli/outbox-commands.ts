import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type AppConfig, parseEnv } from '../config/env.js'
import { openDatabase } from '../db/client.js'
import { createChatOutbox, type DeadSend } from '../outbox/chat-outbox.js'
import type { CliCommand } from './commands.js'
import { existingDatabaseFile, loadDotEnv } from './environment.js'

/** Everything these commands say to the operator (there is no language switch yet: Chinese). */
const MSG = {
  usage: (usage: string) => `用法: qunbot ${usage}`,
  badConfig: 'qunbot: 配置无效:',
  seeEnvExample: '各变量及其取值见 .env.example。',
  none: '没有发送失败的消息',
  more: (shown: number, total: number) => `共 ${total} 条发送失败的消息，只列出最新的 ${shown} 条`,
  notFound: (id: number) => `qunbot: 没有 id 为 ${id} 的发送失败的消息（可能已发出、已在队列中或不存在）`,
  nothingToRetry: (roomId: string | undefined) =>
    roomId ? `qunbot: 群 ${roomId} 没有发送失败的消息可重新发送` : 'qunbot: 没有发送失败的消息可重新发送',
  retriedLive: (n: number) =>
    `已重新加入发送队列 ${n} 条；正在运行的 qunbot 会立即按发送节奏发出（需已登录）`,
  retriedOffline: (n: number) => `已重新加入发送队列 ${n} 条；qunbot 未在运行，下次启动并登录后发出`,
  tokenRejected: (url: string) =>
    `qunbot: ${url} 拒绝了管理令牌（QUNBOT_ADMIN_TOKEN 或数据目录中的 admin-token 与运行中的 qunbot 不一致）`,
  noToken: (url: string, dataDir: string) =>
    `qunbot: ${url} 需要管理令牌，但找不到管理令牌（设置 QUNBOT_ADMIN_TOKEN，或确认 ${dataDir}/admin-token 存在）`,
  noApi: (url: string) => `qunbot: ${url} 上运行的服务没有 /api/outbox（qunbot 版本过旧？请先升级并重启）`,
  apiFailed: (url: string, reason: string) => `qunbot: 调用 ${url} 失败: ${reason}`,
  attempts: (n: number) => `${n}次`,
} as const

const LIST_LIMIT = 500
const TEXT_WIDTH = 60

type Backend =
  | { kind: 'http'; base: string; token: string | undefined; dataDir: string }
  | { kind: 'db'; file: string }
  | { kind: 'failed'; code: number }

/** What the commands need of either backend: the running bot's API, or the database file. */
interface OutboxAccess {
  live: boolean
  list(roomId: string | undefined): Promise<{ items: DeadSend[]; total: number }>
  retryOne(id: number): Promise<boolean>
  retryAll(roomId: string | undefined): Promise<number>
  close(): void
}

class ApiFailure extends Error {}

function readConfig(): AppConfig | undefined {
  loadDotEnv()
  const parsed = parseEnv(process.env)
  if (parsed.ok) return parsed.config
  console.error(MSG.badConfig)
  for (const line of parsed.errors) console.error(`  - ${line}`)
  console.error(MSG.seeEnvExample)
  return undefined
}

/** The admin token as `qunbot start` finds it, without ever creating one. */
function adminToken(config: AppConfig): string | undefined {
  if (config.adminToken) return config.adminToken
  try {
    const stored = readFileSync(join(config.dataDir, 'admin-token'), 'utf8').trim()
    return stored.length >= 16 ? stored : undefined
  } catch {
    return undefined
  }
}

function baseUrl(config: AppConfig): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`
}

/** Nothing listens there (with several addresses for the host, none of them). */
function refused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause
  if (cause?.code === 'ECONNREFUSED') return true
  return cause?.errors?.length ? cause.errors.every((e) => e.code === 'ECONNREFUSED') : false
}

/** fetch says only "fetch failed"; the reason is in its cause. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause
  return cause?.message ? `${(error as Error).message} (${cause.message})` : (error as Error).message
}

async function call(
  backend: { base: string; token: string | undefined; dataDir: string },
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const url = `${backend.base}${path}`
  const headers: Record<string, string> = {}
  if (backend.token) headers.authorization = `Bearer ${backend.token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  let data: Record<string, unknown> | undefined
  try {
    data = text ? (JSON.parse(text) as Record<string, unknown>) : undefined
  } catch {
    data = undefined
  }
  if (res.status === 401)
    throw new ApiFailure(
      backend.token ? MSG.tokenRejected(backend.base) : MSG.noToken(backend.base, backend.dataDir),
    )
  if (res.status === 404 && String(data?.message ?? '').startsWith('no route'))
    throw new ApiFailure(MSG.noApi(backend.base))
  if (res.status >= 400 && res.status !== 404)
    throw new ApiFailure(MSG.apiFailed(url, String(data?.message ?? `HTTP ${res.status}`)))
  return { status: res.status, body: data }
}

/**
 * The running instance's API when something listens on the configured host and port (so its
 * sender wakes at once), else the database in the data dir.
 */
async function chooseBackend(): Promise<Backend> {
  const config = readConfig()
  if (!config) return { kind: 'failed', code: 2 }
  if (config.port !== 0) {
    const http = { base: baseUrl(config), token: adminToken(config), dataDir: config.dataDir }
    try {
      await call(http, 'GET', '/api/outbox?limit=1')
      return { kind: 'http', ...http }
    } catch (error) {
      if (error instanceof ApiFailure) {
        console.error(error.message)
        return { kind: 'failed', code: 2 }
      }
      if (!refused(error)) {
        console.error(MSG.apiFailed(http.base, reasonOf(error)))
        return { kind: 'failed', code: 2 }
      }
    }
  }
  const file = existingDatabaseFile()
  return file ? { kind: 'db', file } : { kind: 'failed', code: 2 }
}

const room = (roomId: string | undefined) => (roomId ? { roomId } : {})

function open(backend: Exclude<Backend, { kind: 'failed' }>): OutboxAccess {
  if (backend.kind === 'http') {
    return {
      live: true,
      async list(roomId) {
        const query = new URLSearchParams({ status: 'dead', limit: String(LIST_LIMIT) })
        if (roomId) query.set('roomId', roomId)
        const res = await call(backend, 'GET', `/api/outbox?${query}`)
        return res.body as unknown as { items: DeadSend[]; total: number }
      },
      async retryOne(id) {
        return (await call(backend, 'POST', `/api/outbox/${id}/retry`)).status === 200
      },
      async retryAll(roomId) {
        return Number((await call(backend, 'POST', '/api/outbox/retry', room(roomId))).body?.retried ?? 0)
      },
      close() {},
    }
  }
  const db = openDatabase(backend.file)
  const outbox = createChatOutbox(db)
  return {
    live: false,
    async list(roomId) {
      return {
        items: outbox.listDead({ ...room(roomId), limit: LIST_LIMIT }),
        total: outbox.countDead(room(roomId)),
      }
    },
    async retryOne(id) {
      return outbox.retryDead(id, Date.now())
    },
    async retryAll(roomId) {
      return outbox.retryAllDead(room(roomId), Date.now())
    },
    close: () => db.$client.close(),
  }
}

/** Opens the outbox, runs `work` on it, and turns an API failure into exit code 2. */
async function withOutbox(work: (access: OutboxAccess) => Promise<number>): Promise<number> {
  const backend = await chooseBackend()
  if (backend.kind === 'failed') return backend.code
  const access = open(backend)
  try {
    return await work(access)
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error
    console.error(error.message)
    return 2
  } finally {
    access.close()
  }
}

const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ').trim()

function cut(text: string, width: number): string {
  const chars = Array.from(oneLine(text))
  return chars.length <= width ? chars.join('') : `${chars.slice(0, width - 1).join('')}…`
}

/** One line per dead send: id, group, attempts, last error, text (masked, at most 60 characters). */
export function formatDeadSend(send: DeadSend): string {
  const group = send.roomTopic ? `${send.roomTopic} (${send.roomId})` : send.roomId
  return [
    `#${send.id}`,
    group,
    MSG.attempts(send.attempts),
    oneLine(send.lastError ?? '-'),
    cut(send.text, TEXT_WIDTH),
  ].join('\t')
}

/** `qunbot outbox list [--room ID]` */
export const outboxListCommand: CliCommand = {
  name: ['outbox', 'list'],
  usage: 'outbox list [--room <roomId>]',
  summary: 'show chat sends given up after repeated failures (text masked)',
  async run(args) {
    let room: string | undefined
    try {
      const { values } = parseArgs({ args, options: { room: { type: 'string' } } })
      room = values.room?.trim() || undefined
      if (values.room !== undefined && !room) throw new Error('empty --room')
    } catch {
      console.error(MSG.usage(outboxListCommand.usage))
      return 2
    }
    return withOutbox(async (access) => {
      const { items, total } = await access.list(room)
      if (items.length === 0) {
        console.log(MSG.none)
        return 0
      }
      for (const send of items) console.log(formatDeadSend(send))
      if (total > items.length) console.error(MSG.more(items.length, total))
      return 0
    })
  },
}

/** `qunbot outbox retry <id>` or `qunbot outbox retry --all [--room ID]` */
export const outboxRetryCommand: CliCommand = {
  name: ['outbox', 'retry'],
  usage: 'outbox retry <id> | --all [--room <roomId>]',
  summary: 'queue dead chat sends again (one, all, or all of one group)',
  async run(args) {
    let id: number | undefined
    let all = false
    let room: string | undefined
    try {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { all: { type: 'boolean', default: false }, room: { type: 'string' } },
      })
      all = values.all
      room = values.room?.trim() || undefined
      if (values.room !== undefined && !room) throw new Error('empty --room')
      if (positionals.length > 1) throw new Error('one id at most')
      const [raw] = positionals
      if (raw !== undefined) {
        if (!/^[1-9]\d{0,15}$/.test(raw.replace(/^#/, ''))) throw new Error('not an id')
        id = Number(raw.replace(/^#/, ''))
      }
      // Exactly one of: an id, or --all (optionally narrowed to a group).
      if ((id === undefined) === !all || (id !== undefined && room)) throw new Error('id or --all')
    } catch {
      console.error(MSG.usage(outboxRetryCommand.usage))
      return 2
    }
    return withOutbox(async (access) => {
      if (id !== undefined) {
        if (!(await access.retryOne(id))) {
          console.error(MSG.notFound(id))
          return 1
        }
        console.log(access.live ? MSG.retriedLive(1) : MSG.retriedOffline(1))
        return 0
      }
      const retried = await access.retryAll(room)
      if (retried === 0) {
        console.error(MSG.nothingToRetry(room))
        return 1
      }
      console.log(access.live ? MSG.retriedLive(retried) : MSG.retriedOffline(retried))
      return 0
    })
  },
}
