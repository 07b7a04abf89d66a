import { describe, expect, it } from 'vitest'
import { formatWebhookBody, type WebhookFormat } from '../../src/outbox/webhooks/formatters.js'

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5)
const CTX = { consoleUrl: 'https://console.example.com/' }
const STAFF_FORMATS: WebhookFormat[] = ['wecom', 'feishu', 'dingtalk', 'slack']

function ticket(overrides: Record<string, unknown> = {}) {
  return {
    id: 42,
    roomId: 'room-1',
    memberId: 'm-1',
    memberName: '张三',
    status: 'open',
    reason: '关键词触发',
    priority: 'question',
    openedAt: NOW,
    ...overrides,
  }
}

const opened = {
  ticket: ticket(),
  room: { id: 'room-1', topic: '产品交流群' },
  text: '我要找人工客服',
}

interface WecomBody {
  msgtype: string
  markdown: { content: string }
}
interface FeishuBody {
  msg_type: string
  card: {
    header: { title: { tag: string; content: string }; template: string }
    elements: Array<Record<string, unknown>>
  }
}
interface DingtalkBody {
  msgtype: string
  markdown: { title: string; text: string }
}
interface SlackBody {
  text: string
  blocks: Array<{ type: string; text?: { type: string; text: string }; elements?: unknown[] }>
}

/** The staff-visible text of a body. */
function visibleText(format: WebhookFormat, body: unknown): string {
  switch (format) {
    case 'wecom':
      return (body as WecomBody).markdown.content
    case 'feishu': {
      const card = (body as FeishuBody).card
      const div = card.elements[0] as { text: { content: string } }
      return `${card.header.title.content}\n${div.text.content}`
    }
    case 'dingtalk': {
      const md = (body as DingtalkBody).markdown
      return `${md.title}\n${md.text}`
    }
    case 'slack': {
      const b = body as SlackBody
      return b.blocks.map((x) => x.text?.text ?? '').join('\n')
    }
    default:
      return JSON.stringify(body)
  }
}

describe('formatWebhookBody: json', () => {
  it('equals the generic body the dispatcher builds', () => {
    const body = formatWebhookBody('json', 'handoff.opened', opened, NOW, CTX)
    const dispatcher = JSON.stringify({
      type: 'handoff.opened',
      timestamp: new Date(NOW).toISOString(),
      data: opened,
    })
    expect(body).toEqual(JSON.parse(dispatcher))
    expect(JSON.stringify(body)).toBe(dispatcher)
    expect(Object.keys(body as object)).toEqual(['type', 'timestamp', 'data'])
  })
})

describe('formatWebhookBody: shapes', () => {
  it('wecom is a markdown message', () => {
    const body = formatWebhookBody('wecom', 'handoff.opened', opened, NOW, CTX) as WecomBody
    expect(Object.keys(body).sort()).toEqual(['markdown', 'msgtype'])
    expect(body.msgtype).toBe('markdown')
    expect(Object.keys(body.markdown)).toEqual(['content'])
    expect(body.markdown.content).toContain('新的转人工请求')
    expect(body.markdown.content).toContain('https://console.example.com/#/handoff/42')
  })

  it('feishu is an interactive card with a button to the ticket', () => {
    const body = formatWebhookBody('feishu', 'handoff.opened', opened, NOW, CTX) as FeishuBody
    expect(Object.keys(body).sort()).toEqual(['card', 'msg_type'])
    expect(body.msg_type).toBe('interactive')
    expect(body.card.header.title).toEqual({ tag: 'plain_text', content: '新的转人工请求' })
    expect(typeof body.card.header.template).toBe('string')
    expect(body.card.elements[0]).toMatchObject({ tag: 'div', text: { tag: 'lark_md' } })
    expect(body.card.elements[1]).toEqual({
      tag: 'action',
      actions: [
        {
          tag: 'button',
          text: { tag: 'plain_text', content: '打开工单' },
          url: 'https://console.example.com/#/handoff/42',
          type: 'primary',
        },
      ],
    })
  })

  it('feishu has no action without a console url', () => {
    const body = formatWebhookBody('feishu', 'handoff.opened', opened, NOW) as FeishuBody
    expect(body.card.elements).toHaveLength(1)
  })

  it('dingtalk is a markdown message with a title', () => {
    const body = formatWebhookBody('dingtalk', 'handoff.resolved', { ...opened, staff: 'alice' }, NOW, CTX)
    const b = body as DingtalkBody
    expect(Object.keys(b).sort()).toEqual(['markdown', 'msgtype'])
    expect(b.msgtype).toBe('markdown')
    expect(Object.keys(b.markdown).sort()).toEqual(['text', 'title'])
    expect(b.markdown.title).toBe('工单已解决')
    expect(b.markdown.text).toContain('alice')
    expect(b.markdown.text).toContain('(https://console.example.com/#/handoff/42)')
  })

  it('slack has fallback text, header, section and an actions button', () => {
    const body = formatWebhookBody(
      'slack',
      'handoff.assigned',
      { ...opened, staff: 'bob' },
      NOW,
      CTX,
    ) as SlackBody
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text'])
    expect(body.text).toContain('工单已认领')
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions'])
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '工单已认领' } })
    expect(body.blocks[1]?.text?.type).toBe('mrkdwn')
    expect(body.blocks[2]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open ticket' },
          url: 'https://console.example.com/#/handoff/42',
        },
      ],
    })
  })

  it('slack has no actions block without a console url', () => {
    const body = formatWebhookBody('slack', 'handoff.opened', opened, NOW) as SlackBody
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section'])
  })
})

describe.each(STAFF_FORMATS)('formatWebhookBody: %s content', (format) => {
  it('shows title, member, topic, reason and excerpt', () => {
    const text = visibleText(format, formatWebhookBody(format, 'handoff.opened', opened, NOW, CTX))
    expect(text).toContain('新的转人工请求')
    expect(text).toContain('张三')
    expect(text).toContain('产品交流群')
    expect(text).toContain('关键词触发')
    expect(text).toContain('我要找人工客服')
  })

  it('titles each event type', () => {
    const titles: Record<string, string> = {
      'handoff.opened': '新的转人工请求',
      'handoff.assigned': '工单已认领',
      'handoff.message': '成员新消息',
      'handoff.sla_breached': '工单超时',
      'handoff.resolved': '工单已解决',
      'csat.submitted': '满意度评价',
    }
    for (const [type, title] of Object.entries(titles)) {
      expect(visibleText(format, formatWebhookBody(format, type, opened, NOW))).toContain(title)
    }
  })

  it('shows the rating of a csat event', () => {
    const text = visibleText(
      format,
      formatWebhookBody(format, 'csat.submitted', { ticket: ticket(), rating: 4 }, NOW),
    )
    expect(text).toContain('满意度评价')
    expect(text).toContain('4')
    expect(text).toContain('评分')
  })

  it('marks complaint priority prominently', () => {
    const payload = { ...opened, ticket: ticket({ priority: 'complaint' }) }
    const body = formatWebhookBody(format, 'handoff.opened', payload, NOW)
    const text = visibleText(format, body)
    expect(text).toContain('投诉')
    expect(text).toContain('⚠️')
    if (format === 'feishu') expect((body as FeishuBody).card.header.template).toBe('red')
    const question = visibleText(format, formatWebhookBody(format, 'handoff.opened', opened, NOW))
    expect(question).not.toContain('投诉')
  })

  it('truncates a 5,000-character text and stays within the platform limit', () => {
    const long = '很长的消息'.repeat(1000)
    expect(long).toHaveLength(5000)
    const body = formatWebhookBody(format, 'handoff.message', { ticket: ticket(), text: long }, NOW, CTX)
    const text = visibleText(format, body)
    expect(text).toContain('…')
    expect(text).not.toContain(long.slice(0, 400))
    expect(text).toContain(long.slice(0, 200))
    switch (format) {
      case 'wecom':
        expect(Buffer.byteLength((body as WecomBody).markdown.content, 'utf8')).toBeLessThanOrEqual(4096)
        break
      case 'dingtalk':
        expect((body as DingtalkBody).markdown.text.length).toBeLessThanOrEqual(5000)
        break
      case 'slack':
        for (const block of (body as SlackBody).blocks) {
          if (block.type === 'section') expect(block.text?.text.length).toBeLessThanOrEqual(3000)
        }
        break
      case 'feishu':
        expect(JSON.stringify(body).length).toBeLessThanOrEqual(30_000)
        break
    }
  })

  it('stays within the limit even for a huge unknown payload', () => {
    const body = formatWebhookBody(format, 'something.else', { blob: '字'.repeat(50_000) }, NOW)
    if (format === 'wecom') {
      expect(Buffer.byteLength((body as WecomBody).markdown.content, 'utf8')).toBeLessThanOrEqual(4096)
    }
    if (format === 'dingtalk') expect((body as DingtalkBody).markdown.text.length).toBeLessThanOrEqual(5000)
    if (format === 'slack') expect((body as SlackBody).blocks[1]?.text?.text.length).toBeLessThanOrEqual(3000)
  })

  it('does not throw on unknown payload shapes and shows them as JSON', () => {
    const circular: Record<string, unknown> = { a: 1 }
    circular.self = circular
    for (const payload of [
      undefined,
      null,
      7,
      'x',
      [1, 2],
      { foo: 'bar' },
      { ticket: 'nope' },
      circular,
      10n,
    ]) {
      expect(() => formatWebhookBody(format, 'handoff.opened', payload, NOW, CTX)).not.toThrow()
    }
    expect(() => formatWebhookBody(format, 'handoff.opened', { ticket: {} }, NOW, CTX)).not.toThrow()
    expect(() =>
      formatWebhookBody(
        format,
        'handoff.opened',
        { ticket: { memberName: 5, priority: null }, room: 3 },
        NOW,
        CTX,
      ),
    ).not.toThrow()
    const text = visibleText(format, formatWebhookBody(format, 'weird.event', { foo: 'bar' }, NOW))
    expect(text).toContain('weird.event')
    expect(text).toContain('foo')
    expect(text).toContain('bar')
  })

  it('keeps user text from breaking the markup', () => {
    const payload = { ...opened, text: 'line one\n```code``` and `tick`\nline three' }
    const text = visibleText(format, formatWebhookBody(format, 'handoff.message', payload, NOW))
    expect(text).not.toContain('`')
    expect(text).toContain('line one')
    expect(text).toContain('line three')
  })
})

describe('escaping', () => {
  it('escapes &, < and > for slack', () => {
    const payload = {
      ticket: ticket({ memberName: '<script>alert(1)</script>', reason: 'a & b' }),
      room: { id: 'r', topic: '<!channel>' },
      text: '<@U123> hi',
    }
    const body = formatWebhookBody('slack', 'handoff.opened', payload, NOW) as SlackBody
    const json = JSON.stringify(body)
    expect(json).toContain('&lt;script&gt;')
    expect(json).not.toContain('<script>')
    expect(json).not.toContain('<!channel>')
    expect(json).not.toContain('<@U123>')
    expect(json).toContain('a &amp; b')
  })

  it('flattens newlines in inline fields of markdown targets', () => {
    const payload = { ...opened, ticket: ticket({ memberName: 'evil\n### heading' }) }
    const content = (formatWebhookBody('wecom', 'handoff.opened', payload, NOW) as WecomBody).markdown.content
    expect(content).not.toMatch(/\n### heading/)
    expect(content).toContain('evil')
  })

  it('neutralises html and links in markdown targets', () => {
    const payload = { ...opened, text: '<font color="red">x</font> [click](http://evil)' }
    const text = (formatWebhookBody('dingtalk', 'handoff.message', payload, NOW) as DingtalkBody).markdown
      .text
    expect(text).not.toContain('<font color="red">')
    expect(text).not.toContain('[click](http://evil)')
  })
})
