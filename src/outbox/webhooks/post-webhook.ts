import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { type AddressKind, classifyAddress, literalAddress } from './address-policy.js'
import { privateAddressReason, webhookMessage } from './webhook-messages.js'

/** Resolves a host name to every address it has (the system resolver unless a test injects one). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>

export const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true })

/** A refused destination: the reason is what the attempt log and the console show. */
export class PrivateAddressError extends Error {
  constructor(
    readonly kind: AddressKind,
    readonly address: string,
    readonly host?: string,
  ) {
    super(privateAddressReason(kind, address, host))
    this.name = 'PrivateAddressError'
  }
}

export interface PostOptions {
  headers: Record<string, string>
  body: string
  timeoutMs: number
  /** Lets the request reach loopback, private and link-local addresses (a receiver on the LAN). */
  allowPrivate: boolean
  resolve: Resolve
}

export interface PostResponse {
  status: number
  header(name: string): string | undefined
}

/**
 * POSTs a webhook and reads the response, with the destination checked where it is connected to.
 * The host name is resolved once, by the `lookup` this request's socket calls, and the socket
 * connects to the addresses that were checked: a DNS answer that changes between a check and the
 * connection (DNS rebinding) cannot slip a private address in. A literal IP is checked before the
 * request (sockets do not look those up). Redirects are never followed (node:http does not); a
 * fresh connection per request, so a pooled socket opened for one endpoint's rules never carries
 * another's request.
 */
export function postWebhook(url: string, options: PostOptions): Promise<PostResponse> {
  const target = new URL(url)
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(new Error(webhookMessage('wrongProtocol')))
  const literal = literalAddress(target)
  if (literal !== undefined && !options.allowPrivate) {
    const kind = classifyAddress(literal)
    if (kind) return Promise.reject(new PrivateAddressError(kind, literal))
  }
  const signal = AbortSignal.timeout(options.timeoutMs)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<PostResponse>((resolve, reject) => {
    const fail = (error: unknown) =>
      reject(signal.aborted ? new Error(`no response within ${options.timeoutMs} ms`) : error)
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': Buffer.byteLength(options.body) },
        agent: false,
        signal,
        lookup: checkedLookup(options.resolve, options.allowPrivate),
      },
      (res: IncomingMessage) => {
        // Read the body to the end (and drop it): the receiver's answer is its status.
        res.on('error', fail)
        res.on('close', () => {
          if (!res.complete) fail(new Error('the response was cut short'))
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            header: (name) => {
              const value = res.headers[name.toLowerCase()]
              return Array.isArray(value) ? value.join(', ') : value
            },
          }),
        )
        res.resume()
      },
    )
    req.on('error', fail)
    req.end(options.body)
  })
}

/**
 * A socket `lookup` that resolves through `resolve` and refuses when any address the name has is
 * not public (a name that points inside at all is treated as pointing inside), unless
 * `allowPrivate`. The socket then connects to exactly what this returned.
 */
export function checkedLookup(resolve: Resolve, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined
        const addresses = found.filter((a) => family === undefined || a.family === family)
        const first = addresses[0]
        if (!first) {
          const error = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' })
          callback(error, '', 0)
          return
        }
        if (!allowPrivate) {
          for (const a of addresses) {
            const kind = classifyAddress(a.address)
            if (kind) {
              callback(new PrivateAddressError(kind, a.address, hostname), '', 0)
              return
            }
          }
        }
        // With autoSelectFamily (Node 20's default) the socket asks for every address.
        if (options.all) (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses)
        else callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
}
