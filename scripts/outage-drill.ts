/**
 * npm run drill:outage: how long qunbot takes to answer again after its gateway goes away for
 * 30 s and for 120 s, with the default supervisor timings (backoff 1 s doubling to
 * QUNBOT_RECONNECT_MAX_MS, probes after 30 s of silence) and default pacing, against a real
 * gRPC gateway (wechaty-puppet-service's PuppetServer serving wechaty-puppet-mock on 127.0.0.1).
 * Three sends are queued during each outage; the drill checks each arrives exactly once.
 * Outage lengths can be given as arguments in seconds: `npm run drill:outage -- 30 120`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createQunbot } from '../src/app/create-qunbot.js'
import { plainText } from '../src/core/types.js'
import { createLogger } from '../src/logging/create-logger.js'
import { freePort, gatewayConfig, TestGateway, waitFor } from '../test/helpers/grpc-gateway.js'

const outages = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0)
const lengths = outages.length > 0 ? outages : [30, 120]
const TOKEN = 'insecure_outage-drill-token'

const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-drill-'))
const gateway = new TestGateway(`127.0.0.1:${await freePort()}`, TOKEN)
const room = gateway.createRoom('演练群', ['小王'])
gateway.loginBot()
await gateway.open()
const app = await createQunbot({ config: gatewayConfig(gateway, dataDir), logger: createLogger('silent') })
await app.start()
await waitFor(() => app.platform.connection().state === 'online', 30_000, 'first login')

let lastOnlineAt = 0
app.onConnection((status) => {
  if (status.state === 'online') lastOnlineAt = Date.now()
})

const rows: string[] = []
for (const seconds of lengths) {
  const closedAt = Date.now()
  await gateway.close()
  await waitFor(() => app.platform.connection().state !== 'online', 120_000, 'the outage to be noticed')
  const noticedMs = Date.now() - closedAt
  const texts = [1, 2, 3].map((n) => `drill ${seconds}s notice ${n}`)
  for (const text of texts) app.sender.send(room.id, plainText(text))
  await new Promise((r) => setTimeout(r, Math.max(0, closedAt + seconds * 1000 - Date.now())))
  const backAt = Date.now()
  await gateway.open()
  // A member keeps asking, once a second, until the bot answers: what a member would see.
  const pongsBefore = gateway.sentTo(room.id).filter((t) => t.includes('pong')).length
  let answeredAt = 0
  while (!answeredAt) {
    gateway.say(room.id, room.members[0]?.id ?? '', 'ping', true)
    await new Promise((r) => setTimeout(r, 1000))
    if (gateway.sentTo(room.id).filter((t) => t.includes('pong')).length > pongsBefore)
      answeredAt = Date.now()
    if (Date.now() - backAt > 300_000) throw new Error('no answer 5 minutes after the gateway came back')
  }
  const onlineAt = lastOnlineAt
  await waitFor(() => texts.every((t) => gateway.sentTo(room.id).includes(t)), 60_000, 'the queued sends')
  const copies = texts.map((t) => gateway.sentTo(room.id).filter((s) => s === t).length)
  rows.push(
    `| ${seconds} s | ${(noticedMs / 1000).toFixed(1)} s | ${((onlineAt - backAt) / 1000).toFixed(1)} s | ${((answeredAt - backAt) / 1000).toFixed(1)} s | ${copies.join(', ')} |`,
  )
  // The member asked more than once: let the paced sender send every answer before the next
  // outage, so the next "first answer" is not an answer to this one.
  await waitFor(() => app.sender.queueDepth() === 0, 300_000, 'the send queue to drain')
}

const dead = app.db.$client.prepare(`SELECT COUNT(*) AS n FROM chat_outbox WHERE status = 'dead'`).get() as {
  n: number
}
console.log('\nqunbot outage drill (default timings, real gRPC gateway on 127.0.0.1)\n')
console.log(
  '| outage | noticed after | logged in again after the gateway is back | first answer after the gateway is back | copies of each queued send |',
)
console.log('| --- | --- | --- | --- | --- |')
for (const row of rows) console.log(row)
console.log(
  `\ndead-lettered sends: ${dead.n}; connection attempts after the first: ${app.platform.connection().restarts}`,
)
await app.shutdown()
await gateway.close()
rmSync(dataDir, { recursive: true, force: true })
process.exit(0)
