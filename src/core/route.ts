import type { z } from 'zod'

/**
 * An HTTP route described without naming the web framework, so features and the simulator can
 * offer routes while only `src/server` knows Fastify. One zod schema per input shape gives the
 * validation, the TypeScript types and the documented contract.
 */
export interface RouteDefinition<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Path under the server root, with `:param` segments, for example `/api/sim/rooms/:roomId`. */
  path: string
  summary: string
  /**
   * Who may call: `admin` (the admin token, the default), `staff` (the admin token or a staff
   * token from QUNBOT_STAFF_TOKENS), `metrics` (the admin token or QUNBOT_METRICS_TOKEN: the
   * Prometheus scrape), or `public` (no token: health, signed webhooks).
   */
  auth?: RouteAuth
  params?: P
  query?: Q
  body?: B
  /** Body size limit in bytes for this route, when it should differ from the server default. */
  bodyLimit?: number
  handler(input: {
    params: z.output<P>
    query: z.output<Q>
    body: z.output<B>
    /** Request headers, lower-case names (signature checks read them). */
    headers: Record<string, string | string[] | undefined>
    /** The body exactly as received, for signature checks ('' when there was none). */
    rawBody: string
  }): Promise<RouteResult> | RouteResult
}

export type RouteAuth = 'admin' | 'staff' | 'metrics' | 'public'

export interface RouteResult {
  status: number
  /** Sent as JSON, unless `contentType` is given: then `body` is text (or bytes) sent as it is. */
  body?: unknown
  contentType?: string
  /** Extra response headers (a download's Content-Disposition). */
  headers?: Record<string, string>
}

/** Helps TypeScript infer the handler's input types from the schemas. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: RouteDefinition<P, Q, B>,
): RouteDefinition {
  return route as unknown as RouteDefinition
}

/** A failure a handler can throw to answer with a 4xx and a reason. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}
