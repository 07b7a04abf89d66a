import { afterEach, describe, expect, it } from 'vitest'
import { contentMessage, NEW_SECRET_COMMAND } from '../../src/config/content-messages.js'
import { formatProblem, parseYamlContent } from '../../src/config/load-yaml.js'
import { handoffConfigSchema } from '../../src/features/handoff/schema.js'

const GOOD = `whsec_${Buffer.alloc(32, 1).toString('base64')}`
const TEXTS = 'texts:\n  opened: "{mention} 稍候"\n  askRating: "{mention} 请打分"\n'
const command = NEW_SECRET_COMMAND

/** handoff.yaml with one inbound secret (line 5) and one webhook (line 7). */
function file(inbound: string, endpoint: string): string {
  return `${TEXTS}inbound:\n  secrets: [${inbound}]\nwebhooks:\n  - ${endpoint}\n`
}

function problems(text: string): string[] {
  const result = parseYamlContent('handoff.yaml', text, handoffConfigSchema)
  return result.ok ? [] : result.problems.map(formatProblem)
}

/** `line:column` (1-based) of the first `needle` in `text`. */
function at(text: string, needle: string): string {
  const offset = text.indexOf(needle)
  const before = text.slice(0, offset)
  return `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`
}

const endpoint = (secret: string, format = 'json') =>
  `{ name: staff, url: "https://example.invalid/hook", ${secret ? `secret: ${secret}, ` : ''}format: ${format} }`

afterEach(() => {
  delete process.env.QB_TEST_SECRET
})

describe('webhook secrets in handoff.yaml', () => {
  it('loads whsec_ secrets of 24 to 64 bytes and keeps them as written', () => {
    const result = parseYamlContent(
      'handoff.yaml',
      file(`"${GOOD}"`, endpoint(`"${GOOD}"`)),
      handoffConfigSchema,
    )
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
    expect(result.value.inbound?.secrets).toEqual([GOOD])
    expect(result.value.webhooks[0]?.secret).toBe(GOOD)
  })

  it.each([
    ['"whsec_"', contentMessage('secret_base64')],
    ['"whsec_a"', contentMessage('secret_base64')],
    ['"whsec_!!!!"', contentMessage('secret_base64')],
    ['"whsec_密钥"', contentMessage('secret_base64')],
    ['"whsec_YWJj"', contentMessage('secret_length', { bytes: 3, command })],
    ['"a-plain-text-secret"', contentMessage('secret_format', { command })],
  ])('refuses the inbound secret %s at its line and column', (secret, message) => {
    expect(problems(file(secret, endpoint(`"${GOOD}"`)))).toEqual([
      `handoff.yaml:5:13 inbound.secrets.0: ${message}`,
    ])
  })

  it('refuses a bad outbound secret at its line and column', () => {
    const text = file(`"${GOOD}"`, endpoint('"whsec_a"'))
    expect(problems(text)).toEqual([
      `handoff.yaml:${at(text, '"whsec_a"')} webhooks.0.secret: ${contentMessage('secret_base64')}`,
    ])
  })

  it('reads env:NAME when the file is loaded: unset or bad is a problem at the line naming it', () => {
    const text = file('env:QB_TEST_SECRET', endpoint(`"${GOOD}"`))
    expect(problems(text)).toEqual([
      `handoff.yaml:5:13 inbound.secrets.0: ${contentMessage('secret_env_missing', { name: 'QB_TEST_SECRET' })}`,
    ])
    process.env.QB_TEST_SECRET = 'whsec_!!!!'
    expect(problems(text)).toEqual([
      `handoff.yaml:5:13 inbound.secrets.0: ${contentMessage('secret_env_bad', { name: 'QB_TEST_SECRET', problem: contentMessage('secret_base64') })}`,
    ])
    process.env.QB_TEST_SECRET = GOOD
    const result = parseYamlContent('handoff.yaml', text, handoffConfigSchema)
    expect(result.ok && result.value.inbound?.secrets).toEqual([GOOD])
  })

  it('needs a secret for format json, and none for the chat robots', () => {
    expect(problems(file(`"${GOOD}"`, endpoint('')))).toEqual([
      `handoff.yaml:7:5 webhooks.0.secret: ${contentMessage('secret_required')}`,
    ])
    for (const format of ['wecom', 'feishu', 'dingtalk', 'slack']) {
      const result = parseYamlContent(
        'handoff.yaml',
        file(`"${GOOD}"`, endpoint('', format)),
        handoffConfigSchema,
      )
      expect(result.ok && result.value.webhooks[0]?.secret, format).toBeUndefined()
    }
  })

  it('tells an operator who followed the old docs (secret: unused-by-wecom) to delete the line', () => {
    const text = file(`"${GOOD}"`, endpoint('unused-by-wecom', 'wecom'))
    expect(problems(text)).toEqual([
      `handoff.yaml:${at(text, 'unused-by-wecom')} webhooks.0.secret: ${contentMessage('secret_not_needed', { format: 'wecom', problem: contentMessage('secret_format', { command }) })}`,
    ])
  })
})
