import type Database from 'better-sqlite3'
import type { Statement } from 'better-sqlite3'

const caches = new WeakMap<Database.Database, Set<ReadCache<unknown>>>()
const versions = new WeakMap<Database.Database, Statement>()

/**
 * Per-message lookups served from memory (a member's open ticket, a group's open poll, a ban):
 * the bench measured these point queries at a tenth of the pipeline's time. The owner drops the
 * keys its own writes change; a commit from another connection (the CLI writing to the database
 * while the bot runs) is noticed through `PRAGMA data_version` and empties the cache; so does a
 * rolled-back transaction ({@link forgetCachedReads}), since a value read inside it may never
 * have been committed. Bounded: a full cache starts again empty.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, V>()
  private readonly version: Statement
  private seenVersion: number

  constructor(
    sqlite: Database.Database,
    private readonly maxEntries = 50_000,
  ) {
    let version = versions.get(sqlite)
    if (!version) {
      version = sqlite.prepare('PRAGMA data_version').pluck()
      versions.set(sqlite, version)
    }
    this.version = version
    this.seenVersion = version.get() as number
    let set = caches.get(sqlite)
    if (!set) {
      set = new Set()
      caches.set(sqlite, set)
    }
    set.add(this as ReadCache<unknown>)
  }

  /** The cached value for `key`, or what `load` reads (and is kept). */
  get(key: string, load: () => V): V {
    if (this.entries.has(key) && this.current()) return this.entries.get(key) as V
    const value = load()
    if (this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(key, value)
    return value
  }

  /** The cached value for `key` if there is one (to update it in place after a write). */
  peek(key: string): V | undefined {
    return this.current() ? this.entries.get(key) : undefined
  }

  /** False (and the cache emptied) when another connection committed since the last look. */
  private current(): boolean {
    const version = this.version.get() as number
    if (version === this.seenVersion) return true
    this.entries.clear()
    this.seenVersion = version
    return false
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }
}

/** Empties every read cache of the connection: after a rollback, or a bulk change such as an erasure. */
export function forgetCachedReads(sqlite: Database.Database): void {
  for (const cache of caches.get(sqlite) ?? []) cache.clear()
}

/** Runs better-sqlite3's `transaction(work)`, forgetting cached reads when it rolls back. */
export function transactionForgettingOnRollback<T>(sqlite: Database.Database, work: () => T): T {
  try {
    return sqlite.transaction(work)()
  } catch (error) {
    forgetCachedReads(sqlite)
    throw error
  }
}
