import type { OutgoingMessage } from '../../src/core/types.js'
import type { TestApp } from './test-app.js'

export interface FailingDeliveries {
  /** Groups whose deliveries fail (add and remove at will). */
  readonly rooms: Set<string>
  /** How many deliveries were tried since this was installed. */
  readonly tries: number
}

/**
 * Makes the app's platform fail every delivery to the groups in `rooms` with `error` (a plain
 * failure, not "too frequent"), so the paced sender retries with backoff and then dead-letters.
 */
export function failDeliveries(app: TestApp, error: string): FailingDeliveries {
  const rooms = new Set<string>()
  let tries = 0
  const deliver = app.platform.deliver.bind(app.platform)
  app.platform.deliver = async (roomId, message) => {
    tries++
    if (rooms.has(roomId)) throw new Error(error)
    return deliver(roomId, message)
  }
  return {
    rooms,
    get tries() {
      return tries
    },
  }
}

/**
 * Queues `message` to `roomId` with its deliveries failing, and settles the simulator: the clock
 * moves through every retry backoff until the chunk is dead. Returns the chunk's outbox id.
 */
export async function makeDeadSend(
  app: TestApp,
  failing: FailingDeliveries,
  roomId: string,
  message: OutgoingMessage,
): Promise<number> {
  failing.rooms.add(roomId)
  const [id, ...more] = app.sender.send(roomId, message)
  if (id === undefined || more.length > 0) throw new Error('expected exactly one chunk')
  await app.sim.settle()
  const row = app.db.$client.prepare('SELECT status FROM chat_outbox WHERE id = ?').get(id) as
    | { status: string }
    | undefined
  if (row?.status !== 'dead') throw new Error(`chunk ${id} is ${row?.status}, not dead`)
  return id
}
