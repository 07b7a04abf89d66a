import { currentLang, type MessageTable, messagesFor } from '../core/messages.js'

type StorageKey =
  | 'database_empty'
  | 'database_missing'
  | 'lost_data'
  | 'restore_hint'
  | 'restore_hint_newest'
  | 'fresh_hint'
  | 'found_admin_token'
  | 'found_sim_world'
  | 'found_wechaty_session'
  | 'found_backups'
  | 'list_separator'
  | 'counts'
  | 'not_sqlite'
  | 'integrity_failed'
  | 'not_qunbot'
  | 'backup_usage'
  | 'backup_no_database'
  | 'backup_exists'
  | 'backup_done'
  | 'backup_failed'
  | 'restore_usage'
  | 'restore_running'
  | 'already_running'
  | 'restore_not_found'
  | 'restore_invalid'
  | 'restore_done'
  | 'restore_kept'
  | 'restore_no_previous'
  | 'restore_failed'
  | 'start_usage'

/** What the storage checks and `qunbot backup` / `qunbot restore` tell the operator. */
export const STORAGE_MESSAGES: MessageTable<StorageKey> = {
  zh: {
    database_empty: '数据库文件 {db} 是空的（0 字节），但数据目录里还有之前运行留下的数据：{found}。',
    database_missing: '找不到数据库文件 {db}，但数据目录里还有之前运行留下的数据：{found}。',
    lost_data:
      '用空数据库启动会丢掉封禁名单、工单、积分和打卡记录，隐私说明也会在每个群再发一遍，所以 qunbot 没有启动。',
    restore_hint: '从备份恢复：qunbot restore <备份文件>，然后再 qunbot start。',
    restore_hint_newest: '从备份恢复：qunbot restore {file}（最新的备份），然后再 qunbot start。',
    fresh_hint: '确实要用空数据库重新开始：qunbot start --fresh',
    found_admin_token: '管理令牌 {file}',
    found_sim_world: '模拟器世界 {file}',
    found_wechaty_session: 'Wechaty 登录会话 {file}',
    found_backups: '{count} 个备份（在 {dir}）',
    list_separator: '、',
    counts: '群 {rooms} 个、成员 {members} 条、消息 {messages} 条、工单 {tickets} 个、封禁 {bans} 条',
    not_sqlite: '不是 SQLite 数据库（{detail}）',
    integrity_failed: '完整性检查未通过：{detail}',
    not_qunbot: '不是 qunbot 的数据库（缺少表：{tables}）',
    backup_usage: '用法：qunbot backup [<文件>]（不给文件名时写到 {dir}）',
    backup_no_database: 'qunbot：{db} 没有数据库（请设置 QUNBOT_DATA_DIR，或先启动一次 qunbot）',
    backup_exists: 'qunbot：{file} 已存在，不会覆盖；请换一个文件名',
    backup_done: '已备份到 {file}（{size}，完整性检查通过；{counts}）',
    backup_failed: 'qunbot：备份失败：{reason}',
    restore_usage: '用法：qunbot restore <备份文件>（先停止 qunbot）',
    already_running:
      '这个数据目录上已经有 qunbot 在运行（进程 {pid}，{since} 启动，见 {lock}）。两个实例共用一个数据目录会把每条消息回复两次、每个群发两遍，所以这次没有启动。要重启，先停止它（Ctrl+C 或 kill -TERM {pid}）；如果确实没有这个进程的 qunbot，删除 {lock} 后再试。',
    restore_running:
      'qunbot：qunbot 正在运行（进程 {pid}，见 {lock}），运行中不能恢复：请先停止它（Ctrl+C 或 kill -TERM {pid}）。如果确实没有这个进程的 qunbot，删除 {lock} 后再试。',
    restore_not_found: 'qunbot：找不到备份文件 {file}',
    restore_invalid: 'qunbot：{file} 不能用来恢复：{reason}。当前数据库没有任何改动。',
    restore_done: '已用 {file} 恢复数据库 {db}（{counts}）。',
    restore_kept: '原来的数据库保存在 {kept}，确认无误后可以删除。',
    restore_no_previous: '（之前没有数据库，没有需要保留的文件。）',
    restore_failed: 'qunbot：恢复失败：{reason}',
    start_usage: '用法：qunbot start [--fresh]（--fresh：数据库为空或不存在时也启动，从空数据库开始）',
  },
  en: {
    database_empty:
      'the database file {db} is empty (0 bytes), but the data directory holds data from earlier runs: {found}.',
    database_missing:
      'there is no database file {db}, but the data directory holds data from earlier runs: {found}.',
    lost_data:
      'Starting on an empty database would lose the ban lists, tickets, points and check-ins, and post the privacy notice in every group again, so qunbot did not start.',
    restore_hint: 'To restore a backup: qunbot restore <backup file>, then qunbot start.',
    restore_hint_newest: 'To restore a backup: qunbot restore {file} (the newest backup), then qunbot start.',
    fresh_hint: 'To start over on an empty database on purpose: qunbot start --fresh',
    found_admin_token: 'the admin token {file}',
    found_sim_world: 'the simulator world {file}',
    found_wechaty_session: "Wechaty's login session {file}",
    found_backups: '{count} backups (in {dir})',
    list_separator: ', ',
    counts: '{rooms} groups, {members} memberships, {messages} messages, {tickets} tickets, {bans} bans',
    not_sqlite: 'not an SQLite database ({detail})',
    integrity_failed: 'the integrity check failed: {detail}',
    not_qunbot: 'not a qunbot database (tables missing: {tables})',
    backup_usage: 'usage: qunbot backup [<file>] (without a file name, it is written to {dir})',
    backup_no_database: 'qunbot: no database at {db} (set QUNBOT_DATA_DIR, or start qunbot once)',
    backup_exists: 'qunbot: {file} exists and is not overwritten; choose another file name',
    backup_done: 'backed up to {file} ({size}, integrity check passed; {counts})',
    backup_failed: 'qunbot: the backup failed: {reason}',
    restore_usage: 'usage: qunbot restore <backup file> (stop qunbot first)',
    already_running:
      'another qunbot already runs on this data dir (process {pid}, started {since}, see {lock}). Two instances on one data dir would answer every message twice and post every broadcast twice, so this one did not start. To restart, stop it first (Ctrl+C or kill -TERM {pid}); if no qunbot runs as that process, delete {lock} and try again.',
    restore_running:
      'qunbot: qunbot is running (process {pid}, see {lock}) and a database cannot be restored under it: stop it first (Ctrl+C or kill -TERM {pid}). If no qunbot runs as that process, delete {lock} and try again.',
    restore_not_found: 'qunbot: there is no backup file {file}',
    restore_invalid: 'qunbot: {file} cannot be restored: {reason}. The current database was not changed.',
    restore_done: 'restored the database {db} from {file} ({counts}).',
    restore_kept: 'The previous database is kept as {kept}; delete it once you are satisfied.',
    restore_no_previous: '(there was no database before, so nothing was kept.)',
    restore_failed: 'qunbot: the restore failed: {reason}',
    start_usage:
      'usage: qunbot start [--fresh] (--fresh: start even when the database is empty or missing, on an empty database)',
  },
}

/** Looks the language up at each call: the CLI reads `.env` (QUNBOT_LANG) after this module loads. */
export const storageMessage = (key: StorageKey, values: Record<string, string | number | undefined> = {}) =>
  messagesFor(STORAGE_MESSAGES, currentLang())(key, values)
