import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { formatProblem, parseYamlContent } from '../../src/config/load-yaml.js'

const schema = z.strictObject({
  name: z.string(),
  rooms: z.array(z.strictObject({ topic: z.string().min(1) })),
})

describe('parseYamlContent', () => {
  it('locates schema problems at file:line:column', () => {
    const text = 'name: demo\nrooms:\n  - topic: a\n  - topic: 42\n'
    const result = parseYamlContent('sim/world.yaml', text, schema)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map(formatProblem)).toEqual([
      'sim/world.yaml:4:12 rooms.1.topic: Invalid input: expected string, received number',
    ])
  })

  it('locates YAML syntax errors', () => {
    const result = parseYamlContent('x.yaml', 'name: demo\nrooms: [\n', schema)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(formatProblem(result.problems[0] ?? ({} as never))).toMatch(/^x\.yaml:\d+:\d+ /)
  })

  it('points a missing key at its parent and rejects unknown keys', () => {
    const result = parseYamlContent('y.yaml', 'name: demo\nrooms:\n  - titel: a\n', schema)
    expect(result.ok).toBe(false)
    if (result.ok) return
    const lines = result.problems.map(formatProblem)
    expect(lines).toContain('y.yaml:3:5 rooms.0.topic: Invalid input: expected string, received undefined')
    expect(lines.some((l) => l.startsWith('y.yaml:3:5') && l.includes('titel'))).toBe(true)
  })
})
