import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const root = new URL('../..', import.meta.url).pathname

/** The config files API (issue #14 item 3) on copies of the example content. */
describe('operator files over HTTP', () => {
  let dir: string
  let app: TestApp
  const sopFile = () => join(dir, 'sop', 'example.yaml')
  const put = (url: string, payload: object, operator?: string) =>
    app.server.inject({
      method: 'PUT',
      url,
      headers: {
        authorization: `Bearer ${TEST_TOKEN}`,
        ...(operator ? { 'x-qunbot-operator': operator } : {}),
      },
      payload,
    })

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-config-'))
    cpSync(join(root, 'sop'), join(dir, 'sop'), { recursive: true })
    cpSync(join(root, 'knowledge'), join(dir, 'knowledge'), { recursive: true })
    cpSync(join(root, 'moderation'), join(dir, 'moderation'), { recursive: true })
    cpSync(join(root, 'handoff.yaml'), join(dir, 'handoff.yaml'))
    app = await startTestApp({
      QUNBOT_SOP_DIR: join(dir, 'sop'),
      QUNBOT_KB_DIR: join(dir, 'knowledge'),
      QUNBOT_MODERATION_DIR: join(dir, 'moderation'),
      QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'),
    })
  })
  afterEach(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists every file with its version and problems', async () => {
    const { status, body } = await app.api('GET', '/api/config/files')
    expect(status).toBe(200)
    const names = (body.files as { kind: string; name: string; problems: unknown[] }[]).map(
      (f) => `${f.kind}/${f.name}`,
    )
    expect(names).toEqual(
      expect.arrayContaining([
        'sop/example.yaml',
        'knowledge/_settings.yaml',
        'knowledge/example.yaml',
        'moderation/rules.yaml',
        'moderation/ads.txt',
        'handoff/handoff.yaml',
      ]),
    )
    for (const f of body.files) expect(f.problems).toEqual([])
  })

  it('saves a valid edit atomically, live within 2 s, with history and restore', async () => {
    const before = (await app.api('GET', '/api/config/files/sop/example.yaml')).body
    const edited = before.text
      .replace('欢迎 {mentions} 加入{group}！', '热烈欢迎 {mentions} 来到{group}！')
      .replace('name: 读书会新人SOP', 'name: 读书会新人SOP二版')
    expect(edited).not.toBe(before.text)
    const res = await put(
      '/api/config/files/sop/example.yaml',
      { text: edited, version: before.version },
      '运营小李',
    )
    expect(res.statusCode).toBe(200)
    const saved = res.json() as { version: string; live: boolean }
    expect(saved.live).toBe(true)
    expect(readFileSync(sopFile(), 'utf8')).toBe(edited)
    expect(readdirSync(join(dir, 'sop')).filter((n) => n.endsWith('.tmp'))).toEqual([])
    // The folder watcher reloads it: the live version is the saved one within 2 s.
    const liveBefore = (await app.api('GET', '/api/sop/status')).body.files[0].live
    await expect
      .poll(async () => (await app.api('GET', '/api/sop/status')).body.files[0].live, { timeout: 2_000 })
      .not.toBe(liveBefore)
    // History: the hand-written version it replaced, then this save.
    const history = (await app.api('GET', '/api/config/files/sop/example.yaml/history')).body.versions
    expect(history.map((v: { version: string; savedBy: string }) => [v.version, v.savedBy])).toEqual([
      [saved.version, '运营小李'],
      [before.version, 'file'],
    ])
    const restored = await app.api('POST', '/api/config/files/sop/example.yaml/restore', {
      version: before.version,
    })
    expect(restored.status).toBe(200)
    expect(readFileSync(sopFile(), 'utf8')).toBe(before.text)
  })

  it('refuses a stale version with the current text (409), and creates only new files without a version', async () => {
    const first = (await app.api('GET', '/api/config/files/sop/example.yaml')).body
    writeFileSync(sopFile(), `${first.text}\n# edited by hand meanwhile\n`)
    const stale = await put('/api/config/files/sop/example.yaml', {
      text: first.text,
      version: first.version,
    })
    expect(stale.statusCode).toBe(409)
    expect(stale.json().current.text).toContain('edited by hand meanwhile')
    expect((await put('/api/config/files/sop/example.yaml', { text: first.text })).statusCode).toBe(409)
    const created = await put('/api/config/files/sop/new-group.yaml', {
      text: 'name: 新群SOP\nmatch: { topic: "^新群" }\n',
    })
    expect(created.statusCode).toBe(200)
    expect(existsSync(join(dir, 'sop', 'new-group.yaml'))).toBe(true)
    expect((await app.api('DELETE', '/api/config/files/sop/new-group.yaml')).status).toBe(204)
    expect((await app.api('DELETE', '/api/config/files/sop/new-group.yaml')).status).toBe(404)
  })

  it('refuses invalid content with located problems (422) and writes nothing', async () => {
    const before = (await app.api('GET', '/api/config/files/sop/example.yaml')).body
    const broken = before.text.replace('cron: "0 20 * * 1"', 'cron: "0 25 * * 1"')
    const res = await put('/api/config/files/sop/example.yaml', { text: broken, version: before.version })
    expect(res.statusCode).toBe(422)
    const [problem] = res.json().problems as { line: number; column: number; message: string }[]
    expect(problem?.line).toBe(broken.split('\n').findIndex((l: string) => l.includes('0 25 * * 1')) + 1)
    expect(readFileSync(sopFile(), 'utf8')).toBe(before.text)
    const yamlError = await put('/api/config/files/handoff/handoff.yaml', {
      text: 'triggers: [unclosed',
      version: (await app.api('GET', '/api/config/files/handoff/handoff.yaml')).body.version,
    })
    expect(yamlError.statusCode).toBe(422)
  })

  it('takes plain file names only: paths, other extensions and unknown kinds are 400', async () => {
    for (const url of [
      '/api/config/files/sop/..%2F..%2Fetc%2Fpasswd.yaml',
      '/api/config/files/sop/a%2Fb.yaml',
      '/api/config/files/sop/..yaml/history',
      '/api/config/files/sop/evil.js',
      '/api/config/files/secrets/x.yaml',
    ]) {
      const res = await app.server.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      })
      expect(res.statusCode, url).toBe(400)
    }
    // A settings kind has exactly one file.
    expect((await put('/api/config/files/handoff/other.yaml', { text: 'a: 1' })).statusCode).toBe(400)
    // Without the token: 401.
    expect((await app.server.inject({ method: 'GET', url: '/api/config/files' })).statusCode).toBe(401)
  })
})
