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
  const clock = observer.stageTime !== undefined ? now : undefined
  return (ctx: C): Promise<void> => new PipelineRun(stages, observer, clock, ctx).dispatch(0)
}

/**
 * One message's way through the stages. A class rather than closures made per stage: a message
 * passes nine stages, and the run is the one object allocated for it besides each stage's `next`.
 */
class PipelineRun<C> {
  private index = -1

  constructor(
    private readonly stages: NamedMiddleware<C>[],
    private readonly observer: StageObserver<C>,
    private readonly now: (() => number) | undefined,
    private readonly ctx: C,
  ) {}

  dispatch(i: number): Promise<void> {
    if (i <= this.index) return Promise.reject(new Error('next() called twice in one stage'))
    this.index = i
    const stage = this.stages[i]
    if (!stage) return DONE
    const step = new StageStep(this, stage.name, i, this.now)
    let result: Promise<void> | void
    try {
      // Anonymous on purpose: a function given a name costs a defineProperty under tsx's keepNames.
      result = stage.run(this.ctx, () => step.advance())
    } catch (error) {
      return step.fail(error)
    }
    return isThenable(result)
      ? Promise.resolve(result).then(
          () => step.finish(),
          (error: unknown) => step.fail(error),
        )
      : step.finish()
  }

  stageTime(stage: string, ms: number): void {
    this.observer.stageTime?.(stage, ms)
  }

  stageError(stage: string, error: unknown): void {
    this.observer.stageError(stage, error, this.ctx)
  }
}

/** One stage of one run: whether it called `next`, what came downstream, and its own time. */
class StageStep<C> {
  private nextCalled = false
  private downstream = DONE
  private readonly started: number
  private ownTime = 0

  constructor(
    private readonly run: PipelineRun<C>,
    private readonly name: string,
    private readonly i: number,
    private readonly now: (() => number) | undefined,
  ) {
    this.started = now ? now() : 0
  }

  /** The stage's `next`. */
  advance(): Promise<void> {
    if (this.nextCalled) return DONE
    this.nextCalled = true
    if (this.now) this.ownTime = this.now() - this.started
    this.downstream = this.run.dispatch(this.i + 1)
    return this.downstream
  }

  finish(): Promise<void> {
    if (this.now) this.run.stageTime(this.name, this.nextCalled ? this.ownTime : this.now() - this.started)
    return this.downstream
  }

  fail(error: unknown): Promise<void> {
    this.run.stageError(this.name, error)
    if (this.nextCalled) return this.downstream
    this.nextCalled = true
    if (this.now) this.ownTime = this.now() - this.started
    return this.run.dispatch(this.i + 1)
  }
}
