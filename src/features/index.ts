import type { Feature, FeatureDeps } from '../core/feature.js'
import { createFaqFeature } from './faq/index.js'
import { createHandoffFeature } from './handoff/index.js'
import { createPingFeature } from './ping/index.js'
import { createSopFeature } from './sop/index.js'

/**
 * The feature registry: order here is pipeline order. A new feature is one folder and one line.
 */
export function createFeatures(deps: FeatureDeps): Feature[] {
  return [createPingFeature(), createHandoffFeature(deps), createSopFeature(deps), createFaqFeature(deps)]
}
