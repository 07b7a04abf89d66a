import type { Feature } from '../../core/feature.js'

/**
 * Liveness check from inside a group: "@bot ping" gets "pong". It proves the plug-in path end to
 * end (pipeline -> feature -> paced sender -> platform) and is the smallest example of a feature.
 */
export function createPingFeature(): Feature {
  return {
    name: 'ping',
    middleware: (ctx, next) => {
      if (ctx.message.mentionsBot && ctx.message.text.trim().toLowerCase() === 'ping') {
        ctx.reply('pong')
        return
      }
      return next()
    },
  }
}
