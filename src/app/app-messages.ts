import { type MessageTable, messagesFor } from '../core/messages.js'

/** Start-up problems the composition root reports (the start command prints them). */
export const APP_MESSAGES: MessageTable<'data_dir'> = {
  zh: {
    data_dir:
      '数据目录 {dir} 不可写（{reason}）：请换一个可写的 QUNBOT_DATA_DIR，或让运行 qunbot 的用户能写这个目录',
  },
  en: {
    data_dir:
      'the data directory {dir} is not writable ({reason}): set QUNBOT_DATA_DIR to a writable directory, or let the user running qunbot write this one',
  },
}

export const startupMessage = messagesFor(APP_MESSAGES)
