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

const DONE: Promise<void> = Promise.resolve()

const isThenable = (value: unknown): value is PromiseLike<void> =>
  typeof (value as { then?: unknown } | undefined)?.then === 'function'

/**
 * Composes named stages into one function. Each stage runs inside an error boundary: a throwing
 * stage is reported and the message goes on to the next stage, because one broken feature must
 * not silence the others.
 *
 * The returned promise resolves when every stage is done, also when a stage called `next()`
 * without returning or awaiting it (the runtime counts a message in flight until then). A stage
 * that returns synchronously costs no promise.
 */
export function composePipeline<C>(
  stages: NamedMiddleware<C>[],
  observer: StageObserver<C>,
  now: () => number = () => performance.now(),
): (ctx: C) => Promise<void> {
  const timed = observer.stageTime !== undefined
  return function run(ctx: C): Promise<void> {
    let index = -1
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error('next() called twice in one stage'))
      index = i
      const stage = stages[i]
      if (!stage) return DONE
      let nextCalled = false
      let downstream = DONE
      const started = timed ? now() : 0
      let ownTime = 0
      const next: Next = () => {
        if (nextCalled) return DONE
        nextCalled = true
        if (timed) ownTime = now() - started
        downstream = dispatch(i + 1)
        return downstream
      }
      const finish = (): Promise<void> => {
        if (timed) observer.stageTime?.(stage.name, nextCalled ? ownTime : now() - started)
        return downstream
      }
      const fail = (error: unknown): Promise<void> => {
        observer.stageError(stage.name, error, ctx)
        if (nextCalled) return downstream
        nextCalled = true
        if (timed) ownTime = now() - started
        return dispatch(i + 1)
      }
      let result: Promise<void> | void
      try {
        result = stage.run(ctx, next)
      } catch (error) {
        return fail(error)
      }
      return isThenable(result) ? Promise.resolve(result).then(finish, fail) : finish()
    }
    return dispatch(0)
  }
}
