import { describe, expect, it } from 'vitest'
import { composePipeline, type NamedMiddleware } from '../../src/core/pipeline.js'

type Ctx = { log: string[] }

describe('composePipeline', () => {
  const observer = (errors: string[]) => ({ stageError: (stage: string) => errors.push(stage) })

  it('runs stages in order and an answering stage stops the chain', async () => {
    const stages: NamedMiddleware<Ctx>[] = [
      {
        name: 'a',
        run: (c, next) => {
          c.log.push('a')
          return next()
        },
      },
      { name: 'answer', run: (c) => void c.log.push('answer') },
      {
        name: 'never',
        run: (c, next) => {
          c.log.push('never')
          return next()
        },
      },
    ]
    const ctx = { log: [] as string[] }
    await composePipeline(stages, observer([]))(ctx)
    expect(ctx.log).toEqual(['a', 'answer'])
  })

  it('contains a throwing stage and lets the message go on', async () => {
    const errors: string[] = []
    const stages: NamedMiddleware<Ctx>[] = [
      {
        name: 'broken',
        run: () => {
          throw new Error('bug')
        },
      },
      {
        name: 'after',
        run: (c, next) => {
          c.log.push('after')
          return next()
        },
      },
    ]
    const ctx = { log: [] as string[] }
    await composePipeline(stages, observer(errors))(ctx)
    expect(errors).toEqual(['broken'])
    expect(ctx.log).toEqual(['after'])
  })

  it('does not run later stages twice when a stage throws after calling next', async () => {
    const errors: string[] = []
    const stages: NamedMiddleware<Ctx>[] = [
      {
        name: 'late-throw',
        run: async (_c, next) => {
          await next()
          throw new Error('after next')
        },
      },
      { name: 'b', run: (c) => void c.log.push('b') },
    ]
    const ctx = { log: [] as string[] }
    await composePipeline(stages, observer(errors))(ctx)
    expect(ctx.log).toEqual(['b'])
    expect(errors).toEqual(['late-throw'])
  })

  it('reports each stage its own time, excluding later stages', async () => {
    let t = 0
    const times: Record<string, number> = {}
    const stages: NamedMiddleware<Ctx>[] = [
      {
        name: 'outer',
        run: (_c, next) => {
          t += 5
          return next()
        },
      },
      {
        name: 'inner',
        run: () => {
          t += 7
        },
      },
    ]
    await composePipeline(
      stages,
      {
        stageError: () => {},
        stageTime: (s, ms) => {
          times[s] = ms
        },
      },
      () => t,
    )({ log: [] })
    expect(times).toEqual({ outer: 5, inner: 7 })
  })

  it('resolves only when every stage is done, also after a stage that calls next without returning it', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const stages: NamedMiddleware<Ctx>[] = [
      {
        name: 'sync',
        run: (c, next) => {
          c.log.push('sync')
          void next()
        },
      },
      {
        name: 'slow',
        run: async (c) => {
          await gate
          c.log.push('slow done')
        },
      },
    ]
    const ctx = { log: [] as string[] }
    let finished = false
    const done = composePipeline(
      stages,
      observer([]),
    )(ctx).then(() => {
      finished = true
    })
    await Promise.resolve()
    expect(finished).toBe(false)
    release()
    await done
    expect(ctx.log).toEqual(['sync', 'slow done'])
  })

  it('reports an async stage that rejects and goes on to the next stage', async () => {
    const errors: string[] = []
    const stages: NamedMiddleware<Ctx>[] = [
      { name: 'rejects', run: async () => Promise.reject(new Error('async bug')) },
      { name: 'after', run: (c) => void c.log.push('after') },
    ]
    const ctx = { log: [] as string[] }
    await composePipeline(stages, observer(errors))(ctx)
    expect(errors).toEqual(['rejects'])
    expect(ctx.log).toEqual(['after'])
  })
})
