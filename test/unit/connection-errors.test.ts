import { describe, expect, it } from 'vitest'
import {
  classifyConnectionError,
  isGatewayError,
  NotConnectedError,
  unwrapGatewayMessage,
} from '../../src/platform/connection-errors.js'

class TokenDiscoveryError extends Error {
  override name = 'TokenDiscoveryError'
}

describe('classifyConnectionError', () => {
  it('a refused connection is gateway_unreachable', () => {
    expect(
      classifyConnectionError(
        new Error(
          '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:18789',
        ),
      ),
    ).toEqual({
      code: 'gateway_unreachable',
      connection: true,
      message: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:18789',
    })
  })

  it('a refused token is auth_rejected', () => {
    expect(classifyConnectionError(new Error('16 UNAUTHENTICATED: Invalid Wechaty TOKEN "x"'))).toEqual({
      code: 'auth_rejected',
      connection: true,
      message: 'Invalid Wechaty TOKEN "x"',
    })
    expect(classifyConnectionError(new Error('7 PERMISSION_DENIED: nope')).code).toBe('auth_rejected')
  })

  it('a TLS handshake failure is tls_mismatch', () => {
    const result = classifyConnectionError(
      new Error(
        '14 UNAVAILABLE: No connection established. Last error: Error: 808CCB23177F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
      ),
    )
    expect(result.code).toBe('tls_mismatch')
    expect(result.connection).toBe(true)
  })

  it('a dropped connection (plain client, TLS server) is tls_mismatch', () => {
    expect(classifyConnectionError(new Error('14 UNAVAILABLE: Connection dropped'))).toEqual({
      code: 'tls_mismatch',
      connection: true,
      message: 'Connection dropped',
    })
  })

  it('a cancelled call is stream_closed', () => {
    expect(classifyConnectionError(new Error('1 CANCELLED: Call cancelled'))).toEqual({
      code: 'stream_closed',
      connection: true,
      message: 'Call cancelled',
    })
  })

  it('an exceeded deadline is timeout', () => {
    expect(classifyConnectionError(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'))).toEqual({
      code: 'timeout',
      connection: true,
      message: 'Deadline exceeded',
    })
  })

  it('a token without SNI prefix is token_format', () => {
    const result = classifyConnectionError(
      new Error('Wechaty Puppet Service requires a SNI as prefix of the token from version 0.30 and later.'),
    )
    expect(result.code).toBe('token_format')
    expect(result.connection).toBe(true)
  })

  it('an error named TokenDiscoveryError is discovery_failed', () => {
    expect(classifyConnectionError(new TokenDiscoveryError('lookup failed')).code).toBe('discovery_failed')
    const named = Object.assign(new Error('ECONNREFUSED'), { name: 'TokenDiscoveryError' })
    expect(classifyConnectionError(named).code).toBe('discovery_failed')
  })

  it('NotConnectedError is not_connected', () => {
    expect(classifyConnectionError(new NotConnectedError('not logged in'))).toEqual({
      code: 'not_connected',
      connection: true,
      message: 'not logged in',
    })
  })

  it('a missing payload is a platform error about one thing, with the gRPC wrapping removed', () => {
    expect(
      classifyConnectionError(new Error('2 UNKNOWN: Error: no payload found for id abc@chatroom')),
    ).toEqual({
      code: 'platform',
      connection: false,
      message: 'no payload found for id abc@chatroom',
    })
  })

  it('reads a numeric gRPC code on the error object', () => {
    const error = Object.assign(new Error('No connection established'), { code: 14 })
    expect(classifyConnectionError(error)).toEqual({
      code: 'gateway_unreachable',
      connection: true,
      message: 'No connection established',
    })
    expect(classifyConnectionError(Object.assign(new Error('whatever'), { code: 16 })).code).toBe(
      'auth_rejected',
    )
    expect(classifyConnectionError(Object.assign(new Error('whatever'), { code: 4 })).code).toBe('timeout')
  })

  it('recognises socket errors without gRPC wrapping', () => {
    for (const message of [
      'connect ECONNREFUSED 127.0.0.1:8788',
      'getaddrinfo ENOTFOUND gateway.local',
      'read ECONNRESET',
      'socket hang up',
    ]) {
      expect(classifyConnectionError(new Error(message)), message).toMatchObject({
        code: 'gateway_unreachable',
        connection: true,
      })
    }
  })

  it('accepts thrown values that are not errors', () => {
    expect(classifyConnectionError('14 UNAVAILABLE: x').code).toBe('gateway_unreachable')
    expect(classifyConnectionError(undefined)).toEqual({
      code: 'platform',
      connection: false,
      message: 'undefined',
    })
    expect(classifyConnectionError(null)).toEqual({ code: 'platform', connection: false, message: 'null' })
    expect(classifyConnectionError({ code: 14 }).code).toBe('gateway_unreachable')
  })

  it('keeps the message to its first line and 300 characters', () => {
    const result = classifyConnectionError(new Error(`2 UNKNOWN: Error: ${'x'.repeat(1000)}\n    at stack`))
    expect(result.message).toBe('x'.repeat(300))
    expect(classifyConnectionError(new Error('1 CANCELLED: Call cancelled\nmore')).message).toBe(
      'Call cancelled',
    )
  })

  it('classifies hostile 200,000-character messages in linear time', () => {
    const n = 200_000
    const inputs = [
      'a'.repeat(n),
      `14 ${'A'.repeat(n)}`,
      `2 UNKNOWN: ${'Error: '.repeat(n / 7)}`,
      `${'1'.repeat(n)}`,
      ' '.repeat(n),
      'self'.repeat(n / 4),
      'stream '.repeat(n / 7),
      'not '.repeat(n / 4),
      'time'.repeat(n / 4),
      `${'9 A_:'.repeat(n / 5)}`,
      `${'a\n'.repeat(n / 2)}`,
    ]
    // Warm up the regexes so compilation is not timed.
    classifyConnectionError(new Error('warm up'))
    isGatewayError(new Error('warm up'))
    for (const input of inputs) {
      expect(input.length).toBeGreaterThanOrEqual(n - 7)
      const started = performance.now()
      classifyConnectionError(new Error(input))
      isGatewayError(new Error(input))
      const elapsed = performance.now() - started
      expect(elapsed, `${input.slice(0, 12)}…`).toBeLessThan(50)
    }
  })
})

describe('unwrapGatewayMessage', () => {
  it('removes one or two gRPC wrappers and leaves plain text alone', () => {
    expect(unwrapGatewayMessage('2 UNKNOWN: Error: no payload')).toBe('no payload')
    expect(unwrapGatewayMessage('2 UNKNOWN: Error: 14 UNAVAILABLE: down')).toBe('down')
    expect(unwrapGatewayMessage('plain text')).toBe('plain text')
  })
})

describe('isGatewayError', () => {
  it('is true for gateway reports and connection failures, false for our own bugs', () => {
    expect(isGatewayError(new Error('2 UNKNOWN: Error: no payload found for id abc@chatroom'))).toBe(true)
    expect(isGatewayError(new Error('no payload found for id abc'))).toBe(true)
    expect(isGatewayError(new Error('payload not found'))).toBe(true)
    expect(isGatewayError(new Error('connect ECONNREFUSED 127.0.0.1:8788'))).toBe(true)
    expect(isGatewayError(new NotConnectedError('offline'))).toBe(true)
    expect(isGatewayError(new Error('13 INTERNAL: oops'))).toBe(true)
    expect(isGatewayError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false)
    expect(isGatewayError(new Error('unexpected token in JSON'))).toBe(false)
  })
})
