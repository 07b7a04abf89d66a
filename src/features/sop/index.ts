import { watchFolder } from '../../config/watch-folder.js'
import type { Feature, FeatureDeps } from '../../core/feature.js'
import { MEDIA_KINDS, TYPED_KINDS } from '../../core/types.js'
import { SopLibrary } from './sop-library.js'
import { createSopRepository } from './sop-repository.js'
import { createSopRoutes } from './sop-routes.js'
import { SopService, type SopServiceDeps } from './sop-service.js'

/**
 * The SOP feature: welcome, newcomer tasks, topics and polls, check-ins and points, run per group
 * from the operators' YAML files, reloaded when a file changes.
 */
export function createSopFeature(
  deps: FeatureDeps & Pick<SopServiceDeps, 'privacyNotice'>,
): Feature & { service: SopService } {
  const repo = createSopRepository(deps.db)
  const library = new SopLibrary(deps.content.sopDir)
  const log = deps.log.child({ feature: 'sop' })
  const service = new SopService({ ...deps, log, repo, library })
  let stopWatching = () => {}

  return {
    name: 'sop',
    service,
    // Media too: a photo can be a check-in (checkin.media) or finish a task (done.kind).
    sees: [...TYPED_KINDS, ...MEDIA_KINDS],
    middleware: (ctx, next) => (service.handleMessage(ctx) ? undefined : next()),
    on: {
      memberJoined: (e) => service.onMembersJoined(e.room, e.members, e.at),
      roomTopicChanged: () => service.rebind(),
      roomDiscovered: () => service.rebind(),
      roomLost: () => service.rebind(),
    },
    routes: createSopRoutes(service, library, repo, deps.clock),
    start() {
      service.reload()
      stopWatching = watchFolder(deps.content.sopDir, () => service.reload(), log, 'use POST /api/sop/reload')
    },
    stop() {
      stopWatching()
    },
  }
}
