import type { Feature, FeatureDeps } from '../core/feature.js'
import { createPingFeature } from './ping/index.js'

/**
 * The feature registry: order here is pipeline order. A new feature is one folder and one line.
 */
export function createFeatures(_deps: FeatureDeps): Feature[] {
  return [createPingFeature()]
}
