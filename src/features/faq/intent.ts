import { foldText } from './text.js'

// Question and request markers as members write them. "吗/呢/么" count only at the end of a
// clause, where they are particles; elsewhere they are parts of words (什么 is covered above).
const QUESTION_WORDS =
  /(怎么|怎样|咋|如何|为什么|为啥|什么(?![都也])|啥时候|啥|哪里|哪儿|哪个|哪些|哪|多少|多久|几(?!乎)|是否|能不能|能否|可不可以|可以不|行不行|有没有|是不是|会不会|要不要|需不需要|可以吗|行吗|对吗|好吗)/
const REQUEST_WORDS =
  /(^求|请问|请教|求问|求助|求一|咨询|想问|想知道|问一下|问下|麻烦(?![了啦])|帮我|帮忙|告诉我|有人知道|谁知道)/
const MARKER_CHARS =
  /[怎咋如为為什啥哪多几幾是能可行有会會要需对對好吗嗎嘛么麼呢请請求咨想问問麻帮幫告谁誰各大你A-Za-zＡ-Ｚａ-ｚ]/
const END_PARTICLE = /(吗|嘛|么|呢)\s*$/
const ENGLISH_QUESTION = /\b(how|what|when|where|why|which|can i|could i|is there|do you|does it)\b/

/**
 * Whether a group message asks something: a question mark, a question word, a request phrase, or
 * a question particle ending a clause. Statements ("我已经交作业啦", "发票收到了谢谢") are not,
 * even when they contain a knowledge-base keyword, and the bot stays silent on them.
 */
export function isQuestion(text: string): boolean {
  if (/[?？]/.test(text)) return true
  // Every marker below contains one of these characters (simplified or traditional) or a Latin
  // letter; most chat lines have none, and this test is far cheaper than folding the text.
  if (!MARKER_CHARS.test(text)) return false
  const folded = foldText(text)
  if (!folded) return false
  if (REQUEST_WORDS.test(folded) || QUESTION_WORDS.test(folded) || ENGLISH_QUESTION.test(folded)) return true
  return folded.split(' ').some((clause) => END_PARTICLE.test(clause))
}

const PEER_MARKERS = /(大家|各位|谁有|有谁|有没有人|有人(?!知道)|你们觉得|你们都)/

/**
 * Whether a question is put to the other members ("大家写完了吗", "谁有好用的笔记软件推荐吗")
 * rather than to the group's service. Those are conversations; the bot joins them only when it is
 * @mentioned or nearly certain.
 */
export function isPeerQuestion(text: string): boolean {
  return PEER_MARKERS.test(foldText(text))
}
