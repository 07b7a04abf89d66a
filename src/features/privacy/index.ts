import { loadYamlFileOrDefaults } from '../../config/load-yaml.js'
import type { Feature, FeatureDeps } from '../../core/feature.js'
import { renderTemplate } from '../../core/template.js'
import type { OutgoingMessage, Room } from '../../core/types.js'
import { truncateWal } from '../../db/client.js'
import { cronSchedule } from '../../scheduler/calendar.js'
import { createMemberRights } from './member-rights.js'
import { createPrivacyRoutes } from './privacy-routes.js'
import { purgeExpired } from './retention.js'
import { createRoomMarkers } from './room-markers.js'
import { type PrivacyConfig, privacyConfigSchema } from './schema.js'

const DAY_MS = 86_400_000

/** What other features need from privacy: the notice, for SOP welcomes. */
export interface PrivacyNotice {
  /** The notice text for a group, or undefined when no notice is configured for welcomes. */
  forWelcome(room: Room): string | undefined
}

/**
 * Members' data protection (PIPL): the privacy notice in every group, retention with a durable
 * daily purge, and members' rights to export and erase their data (API and CLI). Without
 * `privacy.yaml` the defaults apply: no notice, and the default retention periods.
 */
export function createPrivacyFeature(deps: FeatureDeps): Feature & { notice: PrivacyNotice } {
  const log = deps.log.child({ feature: 'privacy' })
  const file = deps.content.privacyFile
  const config: PrivacyConfig = loadYamlFileOrDefaults(file, privacyConfigSchema)
  const markers = createRoomMarkers(deps.db)
  const rights = createMemberRights(deps.db, deps.clock, log, {
    ...(config.erasure ? { anonymousName: config.erasure.anonymousName } : {}),
    beforeRead: () => deps.records.flush(),
  })
  const render = (room: Room): OutgoingMessage | undefined =>
    config.notice
      ? renderTemplate(config.notice.text, {
          messagesDays: Math.round(config.retention.messages / DAY_MS),
          transcriptsDays: Math.round(config.retention.transcripts / DAY_MS),
          group: room.topic,
        })
      : undefined

  return {
    name: 'privacy',
    notice: {
      forWelcome: (room) =>
        config.notice?.inWelcome
          ? render(room)
              ?.parts.map((p) => (typeof p === 'string' ? p : ''))
              .join('')
          : undefined,
    },
    on: {
      // Once per group, ever: a restart or a rename does not post it again.
      roomDiscovered: ({ room, at }) => {
        if (!config.notice?.onJoin) return
        if (!markers.mark(room.id, 'privacy_notice', at)) return
        const message = render(room)
        if (message) deps.sender.send(room.id, message)
      },
    },
    routes: createPrivacyRoutes(rights),
    start() {
      const [hour, minute] = config.retention.purgeAt.split(':').map(Number)
      deps.jobs.setJobs('privacy', [
        {
          kind: 'calendar',
          key: 'privacy:retention',
          schedule: cronSchedule(`${minute} ${hour} * * *`, config.retention.timezone),
          run: (fireTime) => {
            const counts = purgeExpired(deps.db, fireTime, config.retention)
            // As after an erasure: the purged rows' older page versions leave the write-ahead log.
            truncateWal(deps.db.$client)
            log.info({ purged: counts }, 'retention purge done')
          },
        },
      ])
    },
  }
}
