import { watch } from 'node:fs'
import type { Logger } from '../core/logger.js'

/** Editors save in bursts (temp file, rename, chmod); wait for the burst to end before reloading. */
const DEBOUNCE_MS = 200

/**
 * Calls `onChange` once a burst of changes in `dir` has settled. Returns a function that stops
 * watching. Where the platform cannot watch, it logs how to reload by hand (`reloadHint`).
 */
export function watchFolder(dir: string, onChange: () => void, log: Logger, reloadHint: string): () => void {
  let debounce: NodeJS.Timeout | undefined
  try {
    const watcher = watch(dir, () => {
      clearTimeout(debounce)
      debounce = setTimeout(onChange, DEBOUNCE_MS)
      debounce.unref()
    })
    watcher.on('error', (error) => log.warn({ err: error, dir }, `watching ${dir} failed; ${reloadHint}`))
    return () => {
      clearTimeout(debounce)
      watcher.close()
    }
  } catch (error) {
    log.warn({ err: error, dir }, `cannot watch ${dir}; ${reloadHint}`)
    return () => {}
  }
}
