import { z } from 'zod'

/** The simulator's starting world: `sim/world.yaml`. */
export const simWorldSchema = z.strictObject({
  bot: z.strictObject({ name: z.string().min(1).max(32) }),
  rooms: z
    .array(
      z.strictObject({
        topic: z.string().min(1),
        members: z.array(z.string().min(1).max(32)).default([]),
      }),
    )
    .default([]),
})

export type SimWorldSeed = z.output<typeof simWorldSchema>
