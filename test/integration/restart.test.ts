import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/logger.js'
import type { InboundMessage } from '../../src/core/types.js'
import { openDatabase } from '../../src/db/client.js'
import { createFeatures } from '../../src/features/index.js'
import { noMedia } from '../../src/media/media-scanner.js'
import { createChatOutbox } from '../../src/outbox/chat-outbox.js'
import { PacedSender } from '../../src/platform/paced-sender.js'
import { BotRuntime } from '../../src/runtime/bot-runtime.js'
import { FakePlatform } from '../helpers/fake-platform.js'

/** Two runs of the bot over one database file, as across a restart. */
describe('restart', () => {
  let dir: string
  const clock = new ManualClock(1_800_000_000_000)
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-restart-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  async function boot() {
    const db = openDatabase(join(dir, 'qunbot.sqlite'))
    const platform = new FakePlatform()
    platform.groups.set('g@chatroom', { topic: 'g', members: [{ id: 'u1', name: '甲' }] })
    const sender = new PacedSender(
      createChatOutbox(db),
      platform,
      clock,
      { minGapMs: 0, jitterMs: 0, perMinute: 600, breakerMs: 1000 },
      silentLogger,
    )
    const runtime = new BotRuntime({
      db,
      clock,
      log: silentLogger,
      platform,
      sender,
      features: createFeatures({
        clock,
        log: silentLogger,
        sender,
        db,
        jobs: { setJobs() {}, poke() {} },
        directory: { rooms: () => [], activeMembers: () => [] },
        groups: { removeMember: async () => {} },
        media: noMedia,
        records: { flush() {} },
        content: {
          sopDir: join(dir, 'sop'),
          kbDir: join(dir, 'knowledge'),
          handoffFile: join(dir, 'handoff.yaml'),
          moderationDir: join(dir, 'moderation'),
          privacyFile: join(dir, 'privacy.yaml'),
          analyticsFile: join(dir, 'analytics.yaml'),
        },
      }),
      staleMessageMs: 60_000,
      reconcileIntervalMs: 300_000,
    })
    await runtime.start()
    await platform.start(runtime.sink)
    await runtime.sink.loginChanged({ state: 'logged_in' })
    return { db, platform, sender, runtime }
  }

  const ping = (id: string, sentAt: number): InboundMessage => ({
    id,
    kind: 'text',
    roomId: 'g@chatroom',
    roomTopic: 'g',
    sender: { id: 'u1', name: '甲' },
    text: 'ping',
    mentionIds: [],
    mentionsBot: true,
    sentAt,
    self: false,
  })

  it('ignores messages replayed after a restart, whether recent or stale', async () => {
    const first = await boot()
    await first.runtime.handleMessage(ping('m1', clock.now()))
    await first.sender.whenQuiet()
    expect(first.platform.delivered).toHaveLength(1)
    await first.runtime.stop()
    first.sender.stop()
    first.db.$client.close()

    await clock.advance(5_000)
    const second = await boot()
    await second.runtime.handleMessage(ping('m1', clock.now() - 5_000))
    await second.runtime.handleMessage(ping('m0', clock.now() - 120_000))
    await second.runtime.handleMessage(ping('m2', clock.now()))
    await second.sender.whenQuiet()
    expect(second.runtime.stats.dropped).toMatchObject({ duplicate: 1, stale: 1 })
    expect(second.platform.delivered).toHaveLength(1)
    await second.runtime.stop()
    second.db.$client.close()
  })

  it('sends after a restart what was queued but not sent before it', async () => {
    const first = await boot()
    first.sender.setOnline(false)
    await first.runtime.handleMessage(ping('q1', clock.now()))
    expect(first.platform.delivered).toHaveLength(0)
    await first.runtime.stop()
    first.sender.stop()
    first.db.$client.close()

    const second = await boot()
    await second.sender.whenQuiet()
    expect(second.platform.delivered.map((d) => d.message.parts)).toEqual([[{ mention: 'u1' }, ' pong']])
    await second.runtime.stop()
    second.db.$client.close()
  })
})
