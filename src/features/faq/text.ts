import { Jieba } from '@node-rs/jieba'
import { dict } from '@node-rs/jieba/dict.js'
import { normalizeText } from '../../core/normalize-text.js'

// Traditional characters common in members' questions, folded to simplified. A full converter
// (OpenCC) is a large dependency; these cover the shop and course vocabulary that matters here.
const TRADITIONAL =
  '請問課費錢發還嗎個們說時間開會這裡裏號碼機電腦視頻聽講書讀筆記業積兌換點幾麼補證務員訂單貨運郵優價續學習師題載資帳綁動變線與應該為樣從進來過後對錯給啟網頁專稅區東長門關級組團體輸戶當沒錄轉擇選難參數據隊購買賣倉庫輕鬆錄擊實現無寫條規權處聯繫約額預計劃' as const
const SIMPLIFIED =
  '请问课费钱发还吗个们说时间开会这里里号码机电脑视频听讲书读笔记业积兑换点几么补证务员订单货运邮优价续学习师题载资帐绑动变线与应该为样从进来过后对错给启网页专税区东长门关级组团体输户当没录转择选难参数据队购买卖仓库轻松录击实现无写条规权处联系约额预计划' as const
const FOLD = new Map([...TRADITIONAL].map((ch, i) => [ch, [...SIMPLIFIED][i] ?? ch]))
const HAS_TRADITIONAL = new RegExp(`[${TRADITIONAL}]`)
const TRADITIONAL_CHARS = new RegExp(`[${TRADITIONAL}]`, 'g')

const NOT_WORD = /[\p{P}\p{S}\p{Z}\s]+/gu

/** Lower case, half width, simplified, and punctuation, symbols and emoji turned into spaces. */
export function foldText(text: string): string {
  let folded = normalizeText(text)
  // Most messages have no traditional characters: test once rather than map every character.
  if (HAS_TRADITIONAL.test(folded)) folded = folded.replace(TRADITIONAL_CHARS, (ch) => FOLD.get(ch) ?? ch)
  return folded.replace(NOT_WORD, ' ').trim()
}

/** Words that carry no topic: particles, pronouns, politeness and question scaffolding. */
const STOPWORDS = new Set(
  (
    '的 了 吗 呢 啊 呀 吧 哈 哦 嘛 么 啦 哟 嗯 哎 诶 额 呃 ' +
    '我 你 您 他 她 它 我们 你们 大家 咱 咱们 自己 ' +
    '是 在 有 和 跟 与 或 也 都 就 还 又 很 太 更 最 再 才 只 不 没 没有 要 想 会 能 可以 可 得 ' +
    '这 那 这个 那个 这些 那些 哪 哪个 一个 一下 一些 个 些 ' +
    '请问 请 问 问下 问一下 想问 想知道 求 求问 麻烦 谢谢 老师 助教 小助手 同学 亲 ' +
    '怎么 怎样 怎么样 如何 为什么 为啥 什么 啥 哪里 哪儿 多少 几 是否 能不能 可不可以 能否 有没有 是不是 会不会 要不要 ' +
    '吗 呢 嘛 么 a an the is are do does can could i you my me to of for how what when where why please'
  ).split(' '),
)

let jieba: Jieba | undefined

/** One segmenter per process: the default dictionary takes a moment to load. */
export function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict)
  return jieba
}

/** Adds operator keywords to the segmenter so they stay whole (花呗, 专票, 优惠券). */
export function addUserWords(words: Iterable<string>): void {
  const lines = [...new Set([...words].map(foldText).filter((w) => w.length > 1 && !w.includes(' ')))]
  if (lines.length > 0) segmenter().loadDict(Buffer.from(lines.map((w) => `${w} 200000`).join('\n')))
}

/** Longest text segmented; a pasted essay is not a question, and its tail adds nothing. */
const MAX_CHARS = 160

/** Folded text cut into words (jieba), capped at MAX_CHARS. */
export function cutFolded(folded: string): string[] {
  const capped = folded.length > MAX_CHARS ? folded.slice(0, MAX_CHARS) : folded
  return capped ? segmenter().cut(capped, false) : []
}

/** The topic words among segmented words: no stopwords, single Latin letters or bare numbers. */
export function contentWords(words: string[]): string[] {
  return words
    .map((t) => t.trim())
    .filter((t) => t.length > 0 && !STOPWORDS.has(t) && !/^[a-z]$/.test(t) && !/^\d+$/.test(t))
}

/** Topic words of a text: segmented, folded, without stopwords and single Latin letters. */
export function topicTokens(text: string): string[] {
  return contentWords(cutFolded(foldText(text)))
}
