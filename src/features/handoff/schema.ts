import { z } from 'zod'
import { contentMessage } from '../../config/content-messages.js'
import { resolveWebhookSecret, templateField, webhookSecretField } from '../../config/content-schema.js'
import { parseDuration } from '../../core/duration.js'
import { classifyAddress, literalAddress } from '../../outbox/webhooks/address-policy.js'
import { privateAddressReason, webhookMessage } from '../../outbox/webhooks/webhook-messages.js'
import { isValidTimeZone } from '../../scheduler/calendar.js'

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text)
  if (!ms) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; write 15m, 2h, 1d` })
    return z.NEVER
  }
  return ms
})
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'write a time as HH:mm')

/** `handoff.yaml`: when a member is handed to a person, and what the bot says meanwhile. */
export const handoffConfigSchema = z.strictObject({
  triggers: z
    .strictObject({
      /** A message containing one of these asks for a person. */
      keywords: z.array(z.string().trim().min(1)).default([]),
      /** Anger and complaint words: they make a ticket a complaint, and enough of them open one. */
      complaintWords: z.array(z.string().trim().min(1)).default([]),
      /** How many complaint words in one message open a ticket by themselves (0: never). */
      complaintThreshold: z.number().int().min(0).max(20).default(2),
      /** This many unanswered questions from one member within `within` open a ticket. */
      unansweredQuestions: z
        .strictObject({ count: z.number().int().min(2).max(20), within: duration })
        .optional(),
    })
    .prefault({}),
  /** Group members whose "转人工 @member" opens a ticket for the member they @mention. */
  staff: z
    .strictObject({
      names: z.array(z.string().min(1)).default([]),
      ids: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  businessHours: z
    .strictObject({
      timezone: z.string().refine(isValidTimeZone, 'unknown time zone'),
      /** ISO weekdays, 1 = Monday. */
      days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
      start: clockTime,
      end: clockTime,
    })
    .optional(),
  /** The operator console's address, for "open ticket" links in staff messages. */
  consoleUrl: z.url().optional(),
  /** Service targets, counted in business hours; each breach is reported once per ticket. */
  sla: z
    .strictObject({
      firstResponse: duration.optional(),
      resolution: duration.optional(),
      /** A group (id) told about each breach, for example the operators' group. */
      escalateToGroup: z.string().min(1).optional(),
    })
    .optional(),
  /** What the bot promises during business hours. */
  expectedResponse: duration.prefault('15m'),
  texts: z.strictObject({
    opened: templateField('mention', 'eta'),
    openedAfterHours: templateField('mention', 'next', 'hours').optional(),
    staffReply: templateField('mention', 'text').prefault('{mention} {text}'),
    askRating: templateField('mention'),
    thanks: templateField('mention', 'rating').optional(),
    /** Posted in sla.escalateToGroup on a breach. */
    escalation: templateField('ticket', 'member', 'group', 'kind', 'minutes').optional(),
  }),
  /** Signed webhooks from staff systems that push replies (POST /api/handoff/inbound). */
  inbound: z
    .strictObject({
      /**
       * Accepted signing secrets (several during rotation), `whsec_` + base64 of 24-64 bytes;
       * env:NAME reads one from the environment when the file is loaded.
       */
      secrets: z.array(webhookSecretField).min(1),
      toleranceSeconds: z.number().int().min(30).max(3600).default(300),
    })
    .optional(),
  webhooks: z
    .array(
      z
        .strictObject({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
          url: z.url(),
          /**
           * The signing secret (`whsec_` + base64 of 24-64 bytes), or env:NAME to read it from the
           * environment. Required for json; the chat robots (wecom, feishu, dingtalk, slack) do not
           * check signatures, so they need none.
           */
          secret: z.string().optional(),
          events: z.array(z.string().min(1)).default(['*']),
          /** json (Standard Webhooks body), or wecom, feishu, dingtalk, slack for those group bots. */
          format: z.enum(['json', 'wecom', 'feishu', 'dingtalk', 'slack']).default('json'),
          /** Lets this endpoint reach loopback, private and link-local addresses (a receiver on the LAN). */
          allowPrivate: z.boolean().default(false),
        })
        .superRefine((endpoint, ctx) => {
          const url = new URL(endpoint.url)
          if (url.protocol !== 'http:' && url.protocol !== 'https:') {
            ctx.addIssue({ code: 'custom', path: ['url'], message: webhookMessage('wrongProtocol') })
            return
          }
          // A literal address is judged now; a host name is judged at each attempt, where it resolves.
          if (endpoint.allowPrivate) return
          const address = literalAddress(url)
          const kind = address === undefined ? undefined : classifyAddress(address)
          if (address !== undefined && kind)
            ctx.addIssue({ code: 'custom', path: ['url'], message: privateAddressReason(kind, address) })
        })
        .transform(({ secret: written, ...endpoint }, ctx): typeof endpoint & { secret?: string } => {
          if (written === undefined) {
            if (endpoint.format === 'json')
              ctx.addIssue({ code: 'custom', path: ['secret'], message: contentMessage('secret_required') })
            return endpoint
          }
          const resolved = resolveWebhookSecret(written)
          if ('secret' in resolved) return { ...endpoint, secret: resolved.secret }
          const notNeeded = endpoint.format !== 'json' && !written.startsWith('whsec_')
          ctx.addIssue({
            code: 'custom',
            path: ['secret'],
            message: notNeeded
              ? contentMessage('secret_not_needed', { format: endpoint.format, problem: resolved.problem })
              : resolved.problem,
          })
          return z.NEVER
        }),
    )
    .default([]),
})

export type HandoffConfig = z.output<typeof handoffConfigSchema>
