import { formatProblem } from '../../config/load-yaml.js'
import { watchFolder } from '../../config/watch-folder.js'
import type { AlertPort, Feature, FeatureDeps } from '../../core/feature.js'
import { MEMBER_POST_KINDS } from '../../core/types.js'
import { createRoomMarkers } from '../privacy/room-markers.js'
import { createModerationRepository } from './moderation-repository.js'
import { createModerationRoutes } from './moderation-routes.js'
import { ModerationService } from './moderation-service.js'
import { RuleBook } from './rule-book.js'

/**
 * Moderation: sensitive words, links and cards, flooding and repeats, newcomer restrictions,
 * escalating actions and shared ban lists, from `moderation/rules.yaml`. It runs first among the
 * features, so a message it acts on is not also answered.
 */
export function createModerationFeature(
  deps: FeatureDeps & { alerts: AlertPort },
): Feature & { service: ModerationService; rules: RuleBook } {
  const log = deps.log.child({ feature: 'moderation' })
  const rules = new RuleBook(deps.content.moderationDir)
  const repo = createModerationRepository(deps.db)
  const service = new ModerationService({
    db: deps.db,
    rules,
    repo,
    markers: createRoomMarkers(deps.db),
    sender: deps.sender,
    groups: deps.groups,
    alerts: deps.alerts,
    directory: deps.directory,
    log,
  })
  const reload = () => {
    const result = rules.reload(deps.clock.now())
    if (!result.ok)
      log.error(
        { problems: result.problems.map(formatProblem) },
        rules.enabled
          ? 'moderation rules rejected; the last good rules stay live'
          : 'moderation rules rejected',
      )
    return result
  }
  let stopWatching = () => {}
  return {
    name: 'moderation',
    service,
    rules,
    sees: MEMBER_POST_KINDS,
    middleware: async (ctx, next) => {
      if (rules.enabled && (await service.handleMessage(ctx.message, ctx.room, ctx.now))) {
        ctx.notes.set('moderated', true)
        return
      }
      const { message, room } = ctx
      // QR codes in images are looked for after this message is handled, in the media worker.
      if (message.kind === 'image' && rules.enabled && service.scansQrCodes(room))
        deps.media.qrCodes(message, (texts) => service.handleQrCodes(message, room, texts, deps.clock.now()))
      await next()
    },
    on: {
      memberJoined: (e) => (rules.enabled ? service.onMembersJoined(e.room, e.members, e.at) : undefined),
      loginChanged: async (status) => {
        if (status.state !== 'logged_in' || !rules.enabled) return
        const removed = await service.sweepBans(deps.clock.now())
        if (removed > 0) log.info({ removed }, 'banned members found in groups at login were removed')
      },
    },
    routes: createModerationRoutes(service, rules, repo, deps.clock, reload),
    start() {
      reload()
      stopWatching = watchFolder(deps.content.moderationDir, reload, log, 'use POST /api/moderation/reload')
    },
    stop() {
      stopWatching()
    },
  }
}
