/**
 * The message pipeline: koa/grammY-style middleware. A stage that answers does not call `next`,
 * so one message gets at most one bot answer.
 */
export type Next = () => Promise<void>
export type Middleware<C> = (ctx: C, next: Next) => Promise<void> | void

export interface NamedMiddleware<C> {
  name: string
  run: Middleware<C>
}

export interface StageObserver<C> {
  /** Called with the time a stage spent before it called `next` or returned (its own work). */
  stageTime?(stage: string, ms: number): void
  /** Called when a stage throws; the error does not stop the bot. */
  stageError(stage: string, error: unknown, ctx: C): void
}

/**
 * Composes named stages into one function. Each stage runs inside an error boundary: a throwing
 * stage is reported and the message goes on to the next stage, because one broken feature must
 * not silence the others.
 */
export function composePipeline<C>(
  stages: NamedMiddleware<C>[],
  observer: StageObserver<C>,
  now: () => number = () => performance.now(),
): (ctx: C) => Promise<void> {
  const timed = observer.stageTime !== undefined
  return function run(ctx: C): Promise<void> {
    let index = -1
    const dispatch = async (i: number): Promise<void> => {
      if (i <= index) throw new Error('next() called twice in one stage')
      index = i
      const stage = stages[i]
      if (!stage) return
      let nextCalled = false
      const started = timed ? now() : 0
      let ownTime = 0
      const next: Next = async () => {
        if (nextCalled) return
        nextCalled = true
        if (timed) ownTime = now() - started
        await dispatch(i + 1)
      }
      try {
        await stage.run(ctx, next)
      } catch (error) {
        observer.stageError(stage.name, error, ctx)
        if (!nextCalled) {
          nextCalled = true
          if (timed) ownTime = now() - started
          await dispatch(i + 1)
        }
        return
      }
      if (timed) observer.stageTime?.(stage.name, nextCalled ? ownTime : now() - started)
    }
    return dispatch(0)
  }
}
