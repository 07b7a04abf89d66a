/**
 * Finds a puppet-service gateway from its token, as wechaty-token does (GET
 * https://<authority>/v0/hosties/<token> -> {host, port}), but with a timeout and errors that
 * can be caught: wechaty-token's own gRPC resolver crashes the process when the authority is
 * unreachable (it calls a listener method newer @grpc/grpc-js no longer has) and prints the
 * token. Errors here never contain the token.
 */
export class TokenDiscoveryError extends Error {
  override name = 'TokenDiscoveryError'
}

export async function discoverEndpoint(
  token: string,
  authority: string,
  timeoutMs = 10_000,
): Promise<string> {
  const where = `https://${authority}/v0/hosties/…`
  let response: Response
  try {
    response = await fetch(`https://${authority}/v0/hosties/${encodeURIComponent(token)}`, {
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const reason = cause?.code ?? cause?.message ?? (error as Error).message
    throw new TokenDiscoveryError(`${where} unreachable: ${reason}`)
  }
  if (response.status === 404)
    throw new TokenDiscoveryError(`${where}: this token is not registered with ${authority}`)
  if (!response.ok) throw new TokenDiscoveryError(`${where} answered HTTP ${response.status}`)
  const body = (await response.json().catch(() => undefined)) as
    | { host?: unknown; port?: unknown }
    | undefined
  if (!body || typeof body.host !== 'string' || !body.host || !Number.isInteger(body.port))
    throw new TokenDiscoveryError(`${where} answered without a host and port`)
  return `${body.host}:${body.port}`
}
