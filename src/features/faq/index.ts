import { watchFolder } from '../../config/watch-folder.js'
import type { Feature, FeatureDeps } from '../../core/feature.js'
import { createFaqRoutes } from './faq-routes.js'
import { FaqService } from './faq-service.js'
import { createGapReport } from './gap-report.js'
import { KbLibrary } from './kb-library.js'

/** The FAQ feature: precise answers from the operators' keyword knowledge base. */
export function createFaqFeature(deps: FeatureDeps): Feature & { service: FaqService } {
  const log = deps.log.child({ feature: 'faq' })
  const library = new KbLibrary(deps.content.kbDir)
  const gaps = createGapReport(deps.db)
  const service = new FaqService(library, gaps, log)
  let stopWatching = () => {}
  return {
    name: 'faq',
    service,
    middleware: (ctx, next) => (service.handleMessage(ctx) ? undefined : next()),
    routes: createFaqRoutes(service, library, gaps, deps.clock),
    start() {
      service.reload(deps.clock.now())
      stopWatching = watchFolder(
        deps.content.kbDir,
        () => service.reload(deps.clock.now()),
        log,
        'use POST /api/faq/reload',
      )
    },
    flush: () => gaps.flush(),
    stop() {
      stopWatching()
      gaps.flush()
    },
  }
}
