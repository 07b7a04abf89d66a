import { type MessageTable, messagesFor } from '../core/messages.js'

type Key =
  | 'pattern_backreference'
  | 'pattern_lookaround'
  | 'pattern_syntax'
  | 'text_too_long'
  | 'task_kind_with_text'
  | 'qr_reason_missing'
  | 'secret_format'
  | 'secret_base64'
  | 'secret_length'
  | 'secret_env_missing'
  | 'secret_env_bad'
  | 'secret_required'
  | 'secret_not_needed'

/**
 * Problems in operator files that the shared schema fields report (regular expressions, text
 * sizes, webhook secrets). The loader puts `file:line:column field:` in front of each.
 */
export const CONTENT_MESSAGES: MessageTable<Key> = {
  zh: {
    pattern_backreference:
      '正则表达式第 {position} 个字符处的反向引用 {construct} 不受支持：qunbot 用线性时间的 RE2 引擎运行正则，反向引用无法保证线性时间，请改写',
    pattern_lookaround:
      '正则表达式第 {position} 个字符处的环视 {construct} 不受支持：qunbot 用线性时间的 RE2 引擎运行正则，(?= (?! (?<= (?<! 都不能用，请改写',
    pattern_syntax: '正则表达式第 {position} 个字符处写法有误（{reason}：{construct}）',
    text_too_long: '文字太长：{length} 字，这里最多 {max} 字',
    qr_reason_missing:
      '设置了 qrCodes（warn 或 remove）时，texts.reasons 里也要写 qrCodes：警告成员时说明原因',
    task_kind_with_text:
      'kind（发图片、文件等）不能和 contains、equals、regex、minLength 一起用：图片没有文字，这样的任务永远完成不了',
    secret_format: '签名密钥须以 whsec_ 开头，后接 base64（解码后 24 到 64 字节）；可用 {command} 生成',
    secret_base64: '签名密钥 whsec_ 之后不是有效的 base64（只能有 A-Z a-z 0-9 + /，末尾按需补 =）',
    secret_length: '签名密钥解码后是 {bytes} 字节，须在 24 到 64 字节之间；可用 {command} 生成',
    secret_env_missing: '环境变量 {name} 没有设置（这里写的是 env:{name}）',
    secret_env_bad: '环境变量 {name} 的值不能用作签名密钥：{problem}',
    secret_required: 'format: json 的端点必须写 secret（对方用它验证签名）',
    secret_not_needed: 'format: {format} 的端点不需要 secret，删掉这一行即可；若要签名：{problem}',
  },
  en: {
    pattern_backreference:
      'the backreference {construct} at character {position} of the regular expression is not supported: qunbot runs patterns on the linear-time RE2 engine, which cannot run backreferences; rewrite it',
    pattern_lookaround:
      'the lookaround {construct} at character {position} of the regular expression is not supported: qunbot runs patterns on the linear-time RE2 engine, which cannot run (?= (?! (?<= (?<!; rewrite it',
    pattern_syntax: 'the regular expression is not valid at character {position} ({reason}: {construct})',
    text_too_long: 'text too long: {length} characters, at most {max} here',
    qr_reason_missing:
      'with qrCodes set to warn or remove, texts.reasons needs a qrCodes entry: the reason given when a member is warned',
    task_kind_with_text:
      'kind (post a photo, a file, ...) cannot be combined with contains, equals, regex or minLength: media has no text, so the task could never be done',
    secret_format:
      'a signing secret is whsec_ followed by base64 (24 to 64 bytes once decoded); make one with {command}',
    secret_base64: 'what follows whsec_ is not valid base64 (only A-Z a-z 0-9 + /, padded with = as needed)',
    secret_length:
      'the signing secret decodes to {bytes} bytes; it must be 24 to 64; make one with {command}',
    secret_env_missing: 'the environment variable {name} is not set (this says env:{name})',
    secret_env_bad: 'the environment variable {name} cannot be used as a signing secret: {problem}',
    secret_required:
      'an endpoint with format: json needs a secret (the receiver checks the signature with it)',
    secret_not_needed:
      'an endpoint with format: {format} needs no secret: delete this line; to sign anyway: {problem}',
  },
}

export const contentMessage = messagesFor(CONTENT_MESSAGES)

/** The command the secret messages and docs suggest for a new secret. */
export const NEW_SECRET_COMMAND = `node -e "console.log('whsec_'+require('crypto').randomBytes(32).toString('base64'))"`
