import type { Feature, FeatureDeps } from '../core/feature.js'
import { createAnalyticsFeature } from './analytics/index.js'
import { type ConnectionAlertSettings, createConnectionAlertsFeature } from './connection-alerts/index.js'
import { createFaqFeature } from './faq/index.js'
import { createHandoffFeature } from './handoff/index.js'
import { createModerationFeature } from './moderation/index.js'
import { createPingFeature } from './ping/index.js'
import { createPrivacyFeature } from './privacy/index.js'
import { createSopFeature } from './sop/index.js'

const DEFAULT_ALERTS: ConnectionAlertSettings = {
  offlineAlertMs: 120_000,
  consoleUrl: 'http://localhost:8787/',
}

/**
 * The feature registry: order here is pipeline order. A new feature is one folder and one line.
 * Analytics comes first, to count every message; moderation runs before the features that
 * answer. Staff alerts (moderation, weekly report, connection) go out through handoff's webhooks.
 */
export function createFeatures(
  deps: FeatureDeps & { connectionAlerts?: ConnectionAlertSettings },
): Feature[] {
  const handoff = createHandoffFeature(deps)
  const privacy = createPrivacyFeature(deps)
  return [
    createAnalyticsFeature({ ...deps, alerts: handoff.dispatcher }),
    createPingFeature(),
    createModerationFeature({ ...deps, alerts: handoff.dispatcher }),
    handoff,
    privacy,
    createSopFeature({ ...deps, privacyNotice: privacy.notice }),
    createFaqFeature(deps),
    createConnectionAlertsFeature({
      ...deps,
      alerts: handoff.dispatcher,
      settings: deps.connectionAlerts ?? DEFAULT_ALERTS,
    }),
  ]
}
