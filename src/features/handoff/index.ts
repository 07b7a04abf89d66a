import { existsSync } from 'node:fs'
import { loadYamlFile } from '../../config/load-yaml.js'
import type { Feature, FeatureDeps } from '../../core/feature.js'
import { MEDIA_KINDS, TYPED_KINDS } from '../../core/types.js'
import { WebhookDispatcher } from '../../outbox/webhooks/webhook-dispatcher.js'
import { createWebhookOutbox } from '../../outbox/webhooks/webhook-outbox.js'
import { createHandoffRoutes } from './handoff-routes.js'
import { HandoffService } from './handoff-service.js'
import { createInboundGate } from './inbound-gate.js'
import { type HandoffConfig, handoffConfigSchema } from './schema.js'
import { createTicketRepository } from './ticket-repository.js'

/**
 * Human handoff (转人工): tickets, signed webhooks to staff, staff replies into the group, and a
 * rating afterwards. It wraps the later stages: it sees a message first (ratings, members with an
 * open ticket, requests for a person) and again after them (FAQ entries marked handoff,
 * repeated unanswered questions). Without `handoff.yaml` it stays out of the way.
 */
export function createHandoffFeature(
  deps: FeatureDeps,
): Feature & { service: HandoffService; dispatcher: WebhookDispatcher } {
  const log = deps.log.child({ feature: 'handoff' })
  const file = deps.content.handoffFile
  const config: HandoffConfig | undefined = existsSync(file)
    ? loadYamlFile(file, handoffConfigSchema)
    : undefined
  // Secrets (env:NAME included) were resolved and checked when the file was loaded.
  const endpoints = config?.webhooks ?? []
  const outbox = createWebhookOutbox(deps.db)
  const dispatcher = new WebhookDispatcher(outbox, endpoints, deps.clock, log, {
    ...(config?.consoleUrl ? { consoleUrl: config.consoleUrl } : {}),
  })
  const repo = createTicketRepository(deps.db)
  const service = new HandoffService(
    () => config as HandoffConfig,
    repo,
    deps.sender,
    dispatcher,
    log,
    // Read on staff actions only (never per message), so a scan of the group's list is fine.
    {
      room: (roomId) => deps.directory.rooms().find((r) => r.id === roomId),
      member: (roomId, memberId) => deps.directory.activeMembers(roomId).find((m) => m.id === memberId),
    },
    deps.media,
    () => deps.jobs.poke(),
  )
  return {
    name: 'handoff',
    service,
    dispatcher,
    // Media too: a screenshot from a member with a ticket goes to staff.
    sees: [...TYPED_KINDS, ...MEDIA_KINDS],
    middleware: async (ctx, next) => {
      if (!config) return next()
      if (service.handleBefore(ctx)) return
      await next()
      service.handleAfter(ctx)
    },
    routes: createHandoffRoutes(
      service,
      repo,
      deps.clock,
      config?.inbound
        ? createInboundGate(deps.db, deps.clock, config.inbound.secrets, config.inbound.toleranceSeconds)
        : undefined,
      outbox,
    ),
    start() {
      dispatcher.start()
      if (config?.sla) {
        deps.jobs.setJobs('handoff', [
          {
            kind: 'state',
            key: 'handoff:sla',
            dueAt: () => service.slaDueAt(),
            run: (now) => service.checkSla(now),
          },
        ])
      }
    },
    stop() {
      dispatcher.stop()
    },
  }
}
