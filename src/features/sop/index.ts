import { type FSWatcher, watch } from 'node:fs'
import type { Feature, FeatureDeps } from '../../core/feature.js'
import { SopLibrary } from './sop-library.js'
import { createSopRepository } from './sop-repository.js'
import { createSopRoutes } from './sop-routes.js'
import { SopService } from './sop-service.js'

/** Editors save in bursts (temp file, rename, chmod); wait for the burst to end before reloading. */
const RELOAD_DEBOUNCE_MS = 200

/**
 * The SOP feature: welcome, newcomer tasks, topics and polls, check-ins and points, run per group
 * from the operators' YAML files, reloaded when a file changes.
 */
export function createSopFeature(deps: FeatureDeps): Feature & { service: SopService } {
  const repo = createSopRepository(deps.db)
  const library = new SopLibrary(deps.content.sopDir)
  const log = deps.log.child({ feature: 'sop' })
  const service = new SopService({ ...deps, log, repo, library })
  let watcher: FSWatcher | undefined
  let debounce: NodeJS.Timeout | undefined

  return {
    name: 'sop',
    service,
    middleware: (ctx, next) => (service.handleMessage(ctx) ? undefined : next()),
    on: {
      memberJoined: (e) => service.onMembersJoined(e.room, e.members, e.at),
      roomTopicChanged: () => service.rebind(),
      roomDiscovered: () => service.rebind(),
    },
    routes: createSopRoutes(service, library, repo, deps.clock),
    start() {
      service.reload()
      try {
        watcher = watch(deps.content.sopDir, () => {
          clearTimeout(debounce)
          debounce = setTimeout(() => service.reload(), RELOAD_DEBOUNCE_MS)
          debounce.unref()
        })
        watcher.on('error', (error) =>
          log.warn({ err: error }, 'watching the SOP folder failed; use POST /api/sop/reload'),
        )
      } catch (error) {
        log.warn(
          { err: error, dir: deps.content.sopDir },
          'cannot watch the SOP folder; changes need POST /api/sop/reload',
        )
      }
    },
    stop() {
      clearTimeout(debounce)
      watcher?.close()
    },
  }
}
