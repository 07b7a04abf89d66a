/** Milliseconds one call takes: the best of three, so a busy machine does not decide the outcome. */
export function timed(run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return best
}
