import { z } from 'zod'
import { defineRoute, HttpError, type RouteDefinition } from '../../core/route.js'
import { fileResult } from '../../media/media-store.js'
import { SimNotFound, type SimWorld } from './sim-world.js'

export interface SimControls {
  world: SimWorld
  /** Waits for the world to be idle, serving pacing waits from the simulated clock. */
  settle(): Promise<number>
  /** Moves the simulated clock forward and runs what fell due. */
  advance(ms: number): Promise<number>
  now(): number
}

const roomParams = z.strictObject({ roomId: z.string().min(1) })
const memberName = z.string().trim().min(1).max(32)
/** 10 MB of bytes, as base64. */
const MEDIA_BASE64_CHARS = Math.ceil((10 * 1024 * 1024) / 3) * 4

/** The simulator API: a documented contract the console, the docs and the tests drive. */
export function createSimRoutes(sim: SimControls): RouteDefinition[] {
  const { world } = sim
  const found = <T>(work: () => T): T => {
    try {
      return work()
    } catch (error) {
      if (error instanceof SimNotFound) throw new HttpError(404, error.message)
      throw error
    }
  }
  return [
    defineRoute({
      method: 'GET',
      path: '/api/sim/rooms',
      summary: 'List simulated groups with their members',
      handler: () => ({ status: 200, body: { rooms: world.rooms() } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/rooms',
      summary: 'Create a simulated group; the bot is added to it',
      body: z.strictObject({
        topic: z.string().trim().min(1).max(64),
        members: z.array(memberName).max(500).optional(),
        /** false: the bot is neither owner nor admin, so it cannot remove members. */
        botAdmin: z.boolean().optional(),
      }),
      handler: ({ body }) => ({
        status: 201,
        body: world.createRoom(body.topic, body.members ?? [], {
          ...(body.botAdmin === undefined ? {} : { botAdmin: body.botAdmin }),
        }),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/rooms/:roomId/members',
      summary:
        'Add a new member by name, or an existing one (from another group) by memberId; emits room-join unless silent',
      params: roomParams,
      body: z.union([
        z.strictObject({ name: memberName, silent: z.boolean().optional() }),
        z.strictObject({ memberId: z.string().min(1) }),
      ]),
      handler: ({ params, body }) => ({
        status: 201,
        body: found(() =>
          'memberId' in body
            ? world.readdMember(params.roomId, body.memberId)
            : world.addMember(params.roomId, body.name, body.silent ?? false),
        ),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/sim/rooms/:roomId/members/:memberId',
      summary: 'Remove a member (emits room-leave)',
      params: z.strictObject({ roomId: z.string().min(1), memberId: z.string().min(1) }),
      handler: ({ params }) => {
        found(() => world.removeMember(params.roomId, params.memberId))
        return { status: 204 }
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/sim/rooms/:roomId/bot',
      summary: "The group's owner removes the bot's account (emits room-leave naming the bot)",
      params: roomParams,
      handler: ({ params }) => {
        found(() => world.removeBot(params.roomId))
        return { status: 204 }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/rooms/:roomId/bot',
      summary: "The group's owner adds the bot's account back",
      params: roomParams,
      handler: ({ params }) => {
        found(() => world.readdBot(params.roomId))
        return { status: 204 }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/rooms/:roomId/messages',
      summary:
        'A member posts a text message, shares a card (link, mini-program, contact card) or posts media (image, file, voice, video, sticker; bytes as base64)',
      params: roomParams,
      body: z.union([
        z.strictObject({
          from: z.string().min(1),
          media: z.strictObject({
            kind: z.enum(['image', 'file', 'voice', 'video', 'emoticon']),
            name: z.string().trim().min(1).max(200).optional(),
            base64: z.base64().max(MEDIA_BASE64_CHARS).optional(),
            seconds: z.number().int().min(0).max(3_600).optional(),
          }),
        }),
        z.strictObject({
          from: z.string().min(1),
          text: z.string().min(1).max(60_000),
          mentionBot: z.boolean().optional(),
        }),
        z.strictObject({
          from: z.string().min(1),
          card: z.strictObject({
            kind: z.enum(['link', 'mini_program', 'contact_card']),
            title: z.string().min(1).max(200),
            url: z.url().optional(),
          }),
        }),
      ]),
      bodyLimit: MEDIA_BASE64_CHARS + 64 * 1024,
      handler: ({ params, body }) => ({
        status: 202,
        body: {
          messageId: found(() =>
            'media' in body
              ? world.postMedia(params.roomId, body.from, {
                  kind: body.media.kind,
                  ...(body.media.name ? { name: body.media.name } : {}),
                  ...(body.media.base64 ? { base64: body.media.base64 } : {}),
                  ...(body.media.seconds === undefined ? {} : { seconds: body.media.seconds }),
                })
              : 'card' in body
                ? world.share(params.roomId, body.from, {
                    kind: body.card.kind,
                    title: body.card.title,
                    ...(body.card.url ? { url: body.card.url } : {}),
                  })
                : world.say(params.roomId, body.from, body.text, body.mentionBot ?? false),
          ),
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/rooms/:roomId/messages/:messageId/recall',
      summary: 'The member who posted a message takes it back (a Recalled message naming it)',
      params: z.strictObject({ roomId: z.string().min(1), messageId: z.string().min(1) }),
      handler: ({ params }) => {
        found(() => world.recall(params.roomId, params.messageId))
        return { status: 204 }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/sim/media/:messageId',
      summary:
        'The file of a media line posted with base64 (what the bot fetches); a download unless an image',
      params: z.strictObject({ messageId: z.string().min(1) }),
      handler: async ({ params }) => {
        let bytes: Buffer
        try {
          bytes = await world.mediaBytes(params.messageId)
        } catch (error) {
          if (error instanceof SimNotFound) throw new HttpError(404, error.message)
          throw error
        }
        return fileResult(bytes, params.messageId)
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/sim/rooms/:roomId/messages',
      summary: "A group's transcript in order, the bot's own lines included",
      params: roomParams,
      handler: ({ params }) => ({
        status: 200,
        body: { messages: found(() => world.transcript(params.roomId)) },
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/sim/clock',
      summary: 'The simulated time',
      handler: () => ({ status: 200, body: { now: sim.now() } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/clock/advance',
      summary: 'Move simulated time forward and run what became due',
      body: z.strictObject({
        ms: z
          .number()
          .int()
          .min(0)
          .max(366 * 86_400_000),
      }),
      handler: async ({ body }) => ({ status: 200, body: { now: await sim.advance(body.ms) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sim/settle',
      summary: 'Return once the pipeline and the send queue are idle',
      handler: async () => ({ status: 200, body: { now: await sim.settle() } }),
    }),
  ]
}
