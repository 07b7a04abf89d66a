import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import type { FeatureDeps } from '../../src/core/feature.js'
import { silentLogger } from '../../src/core/logger.js'
import type { ConnectionStatus, OutgoingMessage } from '../../src/core/types.js'
import { createConnectionAlertsFeature } from '../../src/features/connection-alerts/index.js'

function setup(operatorsGroup?: string) {
  const clock = new ManualClock()
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever the payload holds
  const published: { event: string; payload: any }[] = []
  const sent: { roomId: string; message: OutgoingMessage }[] = []
  const feature = createConnectionAlertsFeature({
    clock,
    log: silentLogger,
    sender: {
      send: (roomId: string, message: OutgoingMessage) => {
        sent.push({ roomId, message })
        return [sent.length]
      },
    },
    alerts: {
      publish: (event: string, payload: unknown) => {
        published.push({ event, payload })
        return [`w${published.length}`]
      },
    },
    settings: { offlineAlertMs: 120_000, operatorsGroup, consoleUrl: 'http://localhost:8787/' },
  } as unknown as FeatureDeps & Parameters<typeof createConnectionAlertsFeature>[0])
  const emit = (status: Partial<ConnectionStatus> & Pick<ConnectionStatus, 'state'>) =>
    feature.on?.connectionChanged?.({ since: clock.now(), restarts: 0, ...status })
  return { clock, published, sent, emit }
}

describe('connection alerts', () => {
  it('says nothing about an outage shorter than the alert delay', async () => {
    const { clock, published, emit } = setup('ops@chatroom')
    emit({ state: 'online' })
    const lostAt = clock.now()
    emit({
      state: 'offline',
      offlineSince: lostAt,
      lastError: { code: 'stream_closed', message: 'x', at: lostAt },
    })
    await clock.advance(119_000)
    emit({ state: 'online' })
    await clock.advance(600_000)
    expect(published).toEqual([])
  })

  it('sends bot.offline once per outage after the delay, then bot.online with its length', async () => {
    const { clock, published, sent, emit } = setup('ops@chatroom')
    emit({ state: 'online' })
    const lostAt = clock.now()
    const lastError = { code: 'gateway_unreachable', message: 'ECONNREFUSED', at: lostAt }
    emit({ state: 'offline', offlineSince: lostAt, lastError, nextRetryAt: lostAt + 1000 })
    // Retries change the status again and again; the alert is still armed once.
    for (let i = 1; i <= 5; i++) {
      await clock.advance(20_000)
      emit({
        state: 'offline',
        since: lostAt,
        offlineSince: lostAt,
        lastError,
        nextRetryAt: clock.now() + 1000,
      })
    }
    await clock.advance(20_000)
    expect(published.map((p) => p.event)).toEqual(['bot.offline'])
    expect(published[0]?.payload.connection).toMatchObject({
      offlineSeconds: 120,
      lastError: { code: 'gateway_unreachable' },
    })
    expect(published[0]?.payload.text).toContain('2 分钟')
    await clock.advance(180_000)
    expect(published).toHaveLength(1)
    emit({ state: 'online' })
    expect(published.map((p) => p.event)).toEqual(['bot.offline', 'bot.online'])
    expect(published[1]?.payload.connection.offlineSeconds).toBe(300)
    // The operators' group hears it too, now that the account can post.
    expect(sent).toHaveLength(1)
    expect(sent[0]?.roomId).toBe('ops@chatroom')
    expect(JSON.stringify(sent[0]?.message)).toContain('5 分钟')
    // A second outage alerts again.
    const again = clock.now()
    emit({ state: 'offline', offlineSince: again, lastError, nextRetryAt: again + 1000 })
    await clock.advance(120_000)
    expect(published.map((p) => p.event)).toEqual(['bot.offline', 'bot.online', 'bot.offline'])
  })

  it('asks for a scan once per login episode, with the QR payload', async () => {
    const { clock, published, emit } = setup()
    emit({ state: 'login_required', qrcode: 'https://login.weixin.qq.com/l/a', qrcodeAt: clock.now() })
    emit({ state: 'login_required', qrcode: 'https://login.weixin.qq.com/l/b', qrcodeAt: clock.now() })
    expect(published.map((p) => p.event)).toEqual(['bot.login_required'])
    expect(published[0]?.payload.connection.qrcode).toBe('https://login.weixin.qq.com/l/a')
    expect(published[0]?.payload.consoleUrl).toBe('http://localhost:8787/')
    emit({ state: 'online' })
    emit({ state: 'login_required', qrcode: 'https://login.weixin.qq.com/l/c', qrcodeAt: clock.now() })
    expect(published.map((p) => p.event)).toEqual(['bot.login_required', 'bot.login_required'])
  })
})
