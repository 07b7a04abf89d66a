import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { installSignalHandlers } from '../../src/cli/signals.js'
import { silentLogger } from '../../src/core/logger.js'

describe('installSignalHandlers', () => {
  it('shuts down gracefully on the first signal and exits 0 when done', async () => {
    const target = new EventEmitter()
    const exits: number[] = []
    let finish: () => void = () => {}
    const done = new Promise<void>((r) => (finish = r))
    installSignalHandlers(
      target,
      () => done,
      (c) => exits.push(c),
      silentLogger,
    )
    target.emit('SIGTERM', 'SIGTERM')
    expect(exits).toEqual([])
    finish()
    await done
    await Promise.resolve()
    expect(exits).toEqual([0])
  })

  it('exits at once with 130 on a second signal while shutting down', () => {
    const target = new EventEmitter()
    const exits: number[] = []
    let shutdowns = 0
    installSignalHandlers(
      target,
      () => {
        shutdowns++
        return new Promise<void>(() => {})
      },
      (c) => exits.push(c),
      silentLogger,
    )
    target.emit('SIGINT', 'SIGINT')
    target.emit('SIGINT', 'SIGINT')
    expect(shutdowns).toBe(1)
    expect(exits).toEqual([130])
  })
})
