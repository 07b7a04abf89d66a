import { describe, expect, it } from 'vitest'
import {
  defuseEveryoneText,
  isEveryoneId,
  mentionsEveryone,
  withoutEveryone,
} from '../../src/core/mention-everyone.js'

describe('@所有人 in text qunbot sends for staff and alerts', () => {
  it.each([
    '@所有人 今晚维护',
    '今晚维护 @所有人',
    '＠所有人 注意',
    '@全体成员 开会',
    '@all please read',
    '@All',
    '注意@ALL',
    '@everyone',
  ])('finds %s', (text) => {
    expect(mentionsEveryone(text)).toBe(true)
  })

  it.each([
    '所有人都可以参加',
    'help@all.example',
    'write to service@allhands.cn',
    '@allen 你好',
    '@everyones',
    '@小李 你好',
    'all good',
  ])('leaves %s alone', (text) => {
    expect(mentionsEveryone(text)).toBe(false)
    expect(defuseEveryoneText(text)).toBe(text)
  })

  it('defuses by dropping the @ only', () => {
    expect(defuseEveryoneText('@所有人 看公告，＠all 也是')).toBe('所有人 看公告，all 也是')
  })

  it('stays linear on long hostile input', () => {
    const text = `${'@'.repeat(60_000)}所${'a@'.repeat(30_000)}`
    const started = performance.now()
    mentionsEveryone(text)
    defuseEveryoneText(text)
    expect(performance.now() - started).toBeLessThan(200)
  })
})

describe('mention ids that mean everyone', () => {
  it('knows the platforms’ spellings and the group itself', () => {
    expect(isEveryoneId('notify@all', 'r1@chatroom')).toBe(true)
    expect(isEveryoneId('announcement@all', 'r1@chatroom')).toBe(true)
    expect(isEveryoneId('@all', 'r1@chatroom')).toBe(true)
    expect(isEveryoneId('r1@chatroom', 'r1@chatroom')).toBe(true)
    expect(isEveryoneId('wxid_abc', 'r1@chatroom')).toBe(false)
  })

  it('turns such parts into plain names and keeps real mentions', () => {
    expect(
      withoutEveryone('r1@chatroom', {
        parts: [
          { mention: 'wxid_abc', name: '小李' },
          ' 请看 ',
          { mention: 'notify@all', name: '@所有人' },
          { mention: 'r1@chatroom' },
          ' @所有人',
        ],
      }),
    ).toEqual({ parts: [{ mention: 'wxid_abc', name: '小李' }, ' 请看 ', '所有人', ' 所有人'] })
  })
})
