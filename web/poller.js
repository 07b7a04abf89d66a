// Background polling shared by the console pages: one refresh at a time, paused while hidden.

/**
 * Polls `refresh` every `intervalMs` while started. A poll is skipped while one is running or a
 * user action is (`document.body.dataset.busy`). A failure goes to `onError`; the first success
 * after a failure calls `onRecovered`. `isOpen()` says whether the page's main view is showing,
 * so polling resumes when the tab becomes visible again.
 */
export function createPoller({ refresh, intervalMs, onError, onRecovered, isOpen }) {
  let timer
  let polling = false
  let failed = false

  async function poll() {
    if (polling || document.body.dataset.busy) return
    polling = true
    try {
      await refresh()
      if (failed) onRecovered?.()
      failed = false
    } catch (error) {
      onError(error)
      failed = true
    } finally {
      polling = false
    }
  }

  function stop() {
    clearInterval(timer)
    timer = undefined
  }

  function start() {
    stop()
    timer = setInterval(poll, intervalMs)
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return stop()
    if (isOpen()) {
      poll()
      start()
    }
  })

  return { poll, start, stop }
}
