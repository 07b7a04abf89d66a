import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import fastifyHelmet from '@fastify/helmet'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify'
import type { Logger as PinoLogger } from 'pino'
import type { z } from 'zod'
import { HttpError, type RouteAuth, type RouteDefinition } from '../core/route.js'
import { isValidBearer } from './auth.js'
import { AuthFailureLimiter } from './auth-failures.js'
import { describeIssues, type FieldProblem } from './validation.js'

export interface ServerDeps {
  logger: PinoLogger
  adminToken: string
  /** Tokens that may call `staff` routes (the handoff API), besides the admin token. */
  staffTokens?: string[]
  /** A token that may read `metrics` routes (GET /metrics) and nothing else. */
  metricsToken?: string
  routes: RouteDefinition[]
  /** Folder of the operator console's static files; omitted in API-only tests. */
  webDir?: string
  rateLimitPerMinute: number
  /** Default request body limit in bytes. */
  bodyLimit?: number
  /** Failed token checks one client may make in a minute before it gets 429 (default 10). */
  authFailuresPerMinute?: number
  /**
   * The address the server listens on. On a loopback address, requests must name a loopback host
   * (or one of `allowedHosts`) in their Host header: a web page on another name that resolves
   * here (DNS rebinding) gets 421.
   */
  listenHost?: string
  allowedHosts?: string[]
  /** The clock for the failure windows (tests). */
  now?: () => number
  /**
   * Called before every response is sent: commits the bot's open commit window, so an answer
   * never reports a change that is not yet on disk.
   */
  beforeRespond?: () => void
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** The host name of a Host header, without the port ("[::1]:8787" -> "[::1]"). */
function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase()
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1)
  return value.split(':')[0] ?? ''
}

/**
 * Browser libraries the console loads from /vendor/, served from their npm packages (resolved like
 * an import, so it works from src/ and dist/ after `npm ci`), never copied into web/.
 */
const VENDOR_DIR = dirname(createRequire(import.meta.url).resolve('chart.js'))
const VENDOR_FILES = new Set(['/chart.umd.js'])

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth
  }
}

/**
 * Builds the HTTP app without listening (tests use `inject`). Plugins first, then routes from
 * features and the simulator. Every /api route needs the admin token unless it is declared public.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    // Request lines would drown the bot's own log (the console polls); errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  })

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // blob: media members sent into tickets, fetched with the token and shown as thumbnails.
        imgSrc: ["'self'", 'data:', 'blob:'],
        // qunbot serves plain HTTP (a TLS proxy goes in front): asking the browser to upgrade
        // would blank the console when it is opened on a LAN address.
        upgradeInsecureRequests: null,
      },
    },
  })
  await app.register(fastifyRateLimit, { max: deps.rateLimitPerMinute, timeWindow: '1 minute' })

  const failures = new AuthFailureLimiter(deps.authFailuresPerMinute ?? 10, deps.now)
  const guardHost = deps.listenHost !== undefined && LOOPBACK_HOSTS.has(deps.listenHost)
  const allowedHosts = new Set([...LOOPBACK_HOSTS, ...(deps.allowedHosts ?? []).map((h) => h.toLowerCase())])

  app.addHook('onRequest', async (request, reply) => {
    if (guardHost && !allowedHosts.has(hostName(request.headers.host))) {
      return reply.code(421).send({
        error: 'Misdirected Request',
        message: 'this server answers only to localhost; add the name you use to QUNBOT_ALLOWED_HOSTS',
      })
    }
    // Decide on the matched route, not the raw URL: the router decodes the path, so a check on
    // the URL text would let "/%61pi/..." through. Unmatched paths under /api also need the token.
    const auth = request.routeOptions.config?.auth
    if (auth === 'public') return
    if (auth === undefined && !isApiPath(request.url)) return
    const client = request.ip
    const wait = failures.blockedFor(client)
    if (wait > 0) {
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .send({ error: 'Too Many Requests', message: 'too many failed token checks; try again later' })
    }
    const header = request.headers.authorization
    const allowed =
      isValidBearer(header, deps.adminToken) ||
      (auth === 'staff' && (deps.staffTokens ?? []).some((token) => isValidBearer(header, token))) ||
      (auth === 'metrics' && deps.metricsToken !== undefined && isValidBearer(header, deps.metricsToken))
    if (!allowed) {
      if (failures.fail(client))
        request.log.warn({ client }, 'too many failed token checks from one client; refusing it for a minute')
      return reply.code(401).send({
        error: 'Unauthorized',
        message:
          auth === 'metrics'
            ? 'metrics need a token: send "Authorization: Bearer <QUNBOT_METRICS_TOKEN or QUNBOT_ADMIN_TOKEN>"'
            : 'this API needs the admin token: send "Authorization: Bearer <QUNBOT_ADMIN_TOKEN>"',
      })
    }
  })

  const beforeRespond = deps.beforeRespond
  if (beforeRespond)
    app.addHook('onSend', async () => {
      beforeRespond()
    })

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof HttpError)
      return reply.code(error.status).send({ error: statusText(error.status), message: error.message })
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed')
    return reply.code(status).send({
      error: statusText(status),
      message: status >= 500 ? 'internal error; see the server log' : error.message,
    })
  })
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  )

  // Keep the exact JSON text as well as the parsed body: signed webhooks are verified on the bytes.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    const raw = String(text)
    ;(request as unknown as { rawBody: string }).rawBody = raw
    if (raw.length === 0) return done(null, undefined)
    try {
      done(null, JSON.parse(raw))
    } catch {
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }), undefined)
    }
  })

  for (const route of deps.routes) mountRoute(app, route)

  if (deps.webDir) {
    await app.register(fastifyStatic, { root: deps.webDir, prefix: '/', index: 'index.html' })
    await app.register(fastifyStatic, {
      root: VENDOR_DIR,
      prefix: '/vendor/',
      decorateReply: false,
      index: false,
      allowedPath: (path) => VENDOR_FILES.has(path),
    })
  }
  return app
}

function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? ''
  try {
    const decoded = decodeURIComponent(path)
    return decoded === '/api' || decoded.startsWith('/api/')
  } catch {
    return true
  }
}

function mountRoute(app: FastifyInstance, route: RouteDefinition): void {
  app.route({
    method: route.method,
    url: route.path,
    config: { auth: route.auth ?? 'admin' },
    ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
    handler: async (request, reply) => {
      const problems: FieldProblem[] = []
      const params = parsePart(route.params, request.params, 'params', problems)
      const query = parsePart(route.query, request.query, 'query', problems)
      const body = parsePart(route.body, request.body, 'body', problems)
      if (problems.length > 0) return badRequest(reply, problems)
      const rawBody = (request as unknown as { rawBody?: string }).rawBody ?? ''
      const result = await route.handler({ params, query, body, headers: request.headers, rawBody } as never)
      reply.code(result.status)
      if (result.headers) reply.headers(result.headers)
      if (result.contentType)
        return reply
          .type(result.contentType)
          .send(Buffer.isBuffer(result.body) ? result.body : String(result.body ?? ''))
      return result.body === undefined ? reply.send() : reply.send(result.body)
    },
  })
}

function parsePart(
  schema: z.ZodType | undefined,
  value: unknown,
  part: 'body' | 'query' | 'params',
  problems: FieldProblem[],
): unknown {
  if (!schema) return value
  const parsed = schema.safeParse(part === 'body' && value === undefined ? {} : value)
  if (parsed.success) return parsed.data
  problems.push(...describeIssues(part, parsed.error.issues))
  return undefined
}

function badRequest(reply: FastifyReply, problems: FieldProblem[]) {
  return reply.code(400).send({
    error: 'Bad Request',
    message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    problems,
  })
}

function statusText(status: number): string {
  const known: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    503: 'Service Unavailable',
  }
  return known[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error')
}
