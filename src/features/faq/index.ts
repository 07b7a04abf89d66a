import { type FSWatcher, watch } from 'node:fs'
import type { Feature, FeatureDeps } from '../../core/feature.js'
import { createFaqRoutes } from './faq-routes.js'
import { FaqService } from './faq-service.js'
import { createGapReport } from './gap-report.js'
import { KbLibrary } from './kb-library.js'

const RELOAD_DEBOUNCE_MS = 200

/** The FAQ feature: precise answers from the operators' keyword knowledge base. */
export function createFaqFeature(deps: FeatureDeps): Feature & { service: FaqService } {
  const log = deps.log.child({ feature: 'faq' })
  const library = new KbLibrary(deps.content.kbDir)
  const gaps = createGapReport(deps.db)
  const service = new FaqService(library, gaps, log)
  let watcher: FSWatcher | undefined
  let debounce: NodeJS.Timeout | undefined
  return {
    name: 'faq',
    service,
    middleware: (ctx, next) => (service.handleMessage(ctx) ? undefined : next()),
    routes: createFaqRoutes(service, library, gaps, deps.clock),
    start() {
      service.reload(deps.clock.now())
      try {
        watcher = watch(deps.content.kbDir, () => {
          clearTimeout(debounce)
          debounce = setTimeout(() => service.reload(deps.clock.now()), RELOAD_DEBOUNCE_MS)
          debounce.unref()
        })
        watcher.on('error', (error) =>
          log.warn({ err: error }, 'watching the knowledge folder failed; use POST /api/faq/reload'),
        )
      } catch (error) {
        log.warn(
          { err: error, dir: deps.content.kbDir },
          'cannot watch the knowledge folder; changes need POST /api/faq/reload',
        )
      }
    },
    stop() {
      clearTimeout(debounce)
      watcher?.close()
      gaps.flush()
    },
  }
}
