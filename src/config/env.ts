import { join } from 'node:path'
import { z } from 'zod'
import { connectionMessage } from '../platform/connection-messages.js'

const intFrom = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      const n = Number(v)
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max}, got "${v}"`,
        })
        return z.NEVER
      }
      return n
    })

const boolFrom = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      if (/^(1|true|yes|on)$/i.test(v)) return true
      if (/^(0|false|no|off)$/i.test(v)) return false
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${v}"` })
      return z.NEVER
    })

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v))

/**
 * Every environment variable qunbot reads, with defaults. `.env.example` documents each one; keep
 * the two in step (a test checks that every key here appears there).
 */
export const envSchema = z
  .object({
    QUNBOT_PUPPET: z.enum(['mock', 'service', 'wechat4u']).optional(),
    WECHATY_PUPPET_SERVICE_TOKEN: optionalText,
    WECHATY_PUPPET_SERVICE_ENDPOINT: optionalText,
    WECHATY_PUPPET_SERVICE_AUTHORITY: optionalText,
    WECHATY_PUPPET_SERVICE_TLS_CA_CERT: optionalText,
    WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME: optionalText,
    WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: boolFrom(
      'WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT',
      false,
    ),
    QUNBOT_DATA_DIR: z.string().default('./data'),
    QUNBOT_HOST: z.string().min(1).default('127.0.0.1'),
    QUNBOT_PORT: intFrom('QUNBOT_PORT', 0, 65535, 8787),
    QUNBOT_ADMIN_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
      message: 'QUNBOT_ADMIN_TOKEN must be at least 16 characters (leave it unset to have one generated)',
    }),
    QUNBOT_METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
      message:
        'QUNBOT_METRICS_TOKEN must be at least 16 characters (or unset: GET /metrics then needs the admin token)',
    }),
    QUNBOT_SOP_DIR: z.string().default('./sop'),
    QUNBOT_KB_DIR: z.string().default('./knowledge'),
    QUNBOT_HANDOFF_FILE: z.string().default('./handoff.yaml'),
    QUNBOT_MODERATION_DIR: z.string().default('./moderation'),
    QUNBOT_PRIVACY_FILE: z.string().default('./privacy.yaml'),
    QUNBOT_ANALYTICS_FILE: z.string().default('./analytics.yaml'),
    QUNBOT_SIM_WORLD: z.string().default('./sim/world.yaml'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    QUNBOT_SEND_MIN_GAP_MS: intFrom('QUNBOT_SEND_MIN_GAP_MS', 0, 600_000, 2000),
    QUNBOT_SEND_JITTER_MS: intFrom('QUNBOT_SEND_JITTER_MS', 0, 600_000, 1000),
    QUNBOT_SEND_PER_MINUTE: intFrom('QUNBOT_SEND_PER_MINUTE', 1, 600, 20),
    QUNBOT_SEND_BREAKER_MS: intFrom('QUNBOT_SEND_BREAKER_MS', 1000, 3_600_000, 60_000),
    QUNBOT_RECONCILE_INTERVAL_MS: intFrom('QUNBOT_RECONCILE_INTERVAL_MS', 10_000, 86_400_000, 300_000),
    QUNBOT_STALE_MESSAGE_MS: intFrom('QUNBOT_STALE_MESSAGE_MS', 1000, 86_400_000, 60_000),
    QUNBOT_STAFF_TOKENS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const tokens = (v ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
        if (tokens.some((t) => t.length < 16)) {
          ctx.addIssue({
            code: 'custom',
            message: 'QUNBOT_STAFF_TOKENS: each token must be at least 16 characters',
          })
          return z.NEVER
        }
        return tokens
      }),
    QUNBOT_HTTP_RATE_LIMIT: intFrom('QUNBOT_HTTP_RATE_LIMIT', 1, 1_000_000, 600),
    QUNBOT_AUTH_FAILURES_PER_MINUTE: intFrom('QUNBOT_AUTH_FAILURES_PER_MINUTE', 1, 10_000, 10),
    QUNBOT_MEDIA_MAX_BYTES: intFrom('QUNBOT_MEDIA_MAX_BYTES', 1_024, 100 * 1024 * 1024, 10 * 1024 * 1024),
    QUNBOT_MEDIA_TIMEOUT_MS: intFrom('QUNBOT_MEDIA_TIMEOUT_MS', 100, 600_000, 30_000),
    QUNBOT_ALLOWED_HOSTS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean),
      ),
    QUNBOT_SHUTDOWN_DRAIN_MS: intFrom('QUNBOT_SHUTDOWN_DRAIN_MS', 0, 600_000, 10_000),
    QUNBOT_SOP_GRACE_MS: intFrom('QUNBOT_SOP_GRACE_MS', 0, 86_400_000, 600_000),
    QUNBOT_SIM_DOWNTIME_MS: intFrom('QUNBOT_SIM_DOWNTIME_MS', 0, 366 * 86_400_000, 0),
    QUNBOT_RECONNECT_MAX_MS: intFrom('QUNBOT_RECONNECT_MAX_MS', 1000, 3_600_000, 30_000),
    QUNBOT_OFFLINE_ALERT_MS: intFrom('QUNBOT_OFFLINE_ALERT_MS', 0, 86_400_000, 120_000),
    QUNBOT_LANG: z.enum(['zh', 'en']).default('zh'),
    QUNBOT_BACKUP: boolFrom('QUNBOT_BACKUP', true),
    QUNBOT_BACKUP_DIR: optionalText,
    QUNBOT_BACKUP_TIME: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v.trim() === '') return '04:00'
        const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(v.trim())
        if (!m) {
          ctx.addIssue({
            code: 'custom',
            message: `QUNBOT_BACKUP_TIME must be a local time of day as HH:MM (00:00 to 23:59), got "${v}"`,
          })
          return z.NEVER
        }
        return `${m[1]?.padStart(2, '0')}:${m[2]}`
      }),
    QUNBOT_BACKUP_KEEP: intFrom('QUNBOT_BACKUP_KEEP', 1, 3650, 7),
    QUNBOT_OPERATORS_GROUP: optionalText,
  })
  .transform((e) => ({
    puppet: e.QUNBOT_PUPPET ?? (e.WECHATY_PUPPET_SERVICE_TOKEN ? 'service' : 'mock'),
    puppetService: {
      token: e.WECHATY_PUPPET_SERVICE_TOKEN,
      endpoint: e.WECHATY_PUPPET_SERVICE_ENDPOINT,
      authority: e.WECHATY_PUPPET_SERVICE_AUTHORITY,
      tlsCaCert: e.WECHATY_PUPPET_SERVICE_TLS_CA_CERT,
      tlsServerName: e.WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME,
      tlsDisabled: e.WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT,
    },
    dataDir: e.QUNBOT_DATA_DIR,
    host: e.QUNBOT_HOST,
    port: e.QUNBOT_PORT,
    adminToken: e.QUNBOT_ADMIN_TOKEN,
    staffTokens: e.QUNBOT_STAFF_TOKENS,
    metricsToken: e.QUNBOT_METRICS_TOKEN,
    sopDir: e.QUNBOT_SOP_DIR,
    kbDir: e.QUNBOT_KB_DIR,
    handoffFile: e.QUNBOT_HANDOFF_FILE,
    moderationDir: e.QUNBOT_MODERATION_DIR,
    privacyFile: e.QUNBOT_PRIVACY_FILE,
    analyticsFile: e.QUNBOT_ANALYTICS_FILE,
    simWorldFile: e.QUNBOT_SIM_WORLD,
    logLevel: e.LOG_LEVEL,
    pacing: {
      minGapMs: e.QUNBOT_SEND_MIN_GAP_MS,
      jitterMs: e.QUNBOT_SEND_JITTER_MS,
      perMinute: e.QUNBOT_SEND_PER_MINUTE,
      breakerMs: e.QUNBOT_SEND_BREAKER_MS,
    },
    reconcileIntervalMs: e.QUNBOT_RECONCILE_INTERVAL_MS,
    staleMessageMs: e.QUNBOT_STALE_MESSAGE_MS,
    httpRateLimitPerMinute: e.QUNBOT_HTTP_RATE_LIMIT,
    authFailuresPerMinute: e.QUNBOT_AUTH_FAILURES_PER_MINUTE,
    media: { maxBytes: e.QUNBOT_MEDIA_MAX_BYTES, timeoutMs: e.QUNBOT_MEDIA_TIMEOUT_MS },
    allowedHosts: e.QUNBOT_ALLOWED_HOSTS,
    shutdownDrainMs: e.QUNBOT_SHUTDOWN_DRAIN_MS,
    scheduleGraceMs: e.QUNBOT_SOP_GRACE_MS,
    simDowntimeMs: e.QUNBOT_SIM_DOWNTIME_MS,
    reconnectMaxMs: e.QUNBOT_RECONNECT_MAX_MS,
    offlineAlertMs: e.QUNBOT_OFFLINE_ALERT_MS,
    lang: e.QUNBOT_LANG,
    backup: {
      enabled: e.QUNBOT_BACKUP,
      dir: e.QUNBOT_BACKUP_DIR ?? join(e.QUNBOT_DATA_DIR, 'backups'),
      time: e.QUNBOT_BACKUP_TIME,
      keep: e.QUNBOT_BACKUP_KEEP,
    },
    operatorsGroup: e.QUNBOT_OPERATORS_GROUP,
  }))
  .superRefine((c, ctx) => {
    if (c.puppet === 'service' && !c.puppetService.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['WECHATY_PUPPET_SERVICE_TOKEN'],
        message: 'WECHATY_PUPPET_SERVICE_TOKEN is required when QUNBOT_PUPPET=service',
      })
    }
    // wechaty-puppet-service takes the TLS server name (SNI) from the token's prefix; without
    // one it cannot even start, so say so now rather than at every reconnect.
    const token = c.puppetService.token
    if (c.puppet === 'service' && token && !c.puppetService.tlsServerName && token.lastIndexOf('_') <= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['WECHATY_PUPPET_SERVICE_TOKEN'],
        message: connectionMessage('token_format'),
      })
    }
  })

export type AppConfig = z.output<typeof envSchema>
export type PacingConfig = AppConfig['pacing']

export type EnvResult = { ok: true; config: AppConfig } | { ok: false; errors: string[] }

/** Validates the environment; each problem becomes one line naming the variable. */
export function parseEnv(env: NodeJS.ProcessEnv): EnvResult {
  const known = Object.fromEntries(Object.keys(envSchema.in.shape).map((k) => [k, env[k]]))
  const result = envSchema.safeParse(known)
  if (result.success) return { ok: true, config: result.data }
  return {
    ok: false,
    errors: result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '')
      if (issue.code === 'custom') return issue.message
      if (issue.code === 'invalid_value')
        return `${key} must be one of ${issue.values.join(', ')}, got "${env[key]}"`
      return `${key}: ${issue.message}`
    }),
  }
}

/** The environment variable names qunbot reads. */
export const envKeys = (): string[] => Object.keys(envSchema.in.shape)
