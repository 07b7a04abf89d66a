import { z } from 'zod'
import { maskPersonalData } from '../../core/mask.js'
import { defineRoute, type RouteDefinition, type RouteResult } from '../../core/route.js'
import { CONFIG_KINDS, FILE_NAME } from './config-kinds.js'
import type { ConfigStore, SaveResult } from './config-store.js'

const fileParams = z.strictObject({
  kind: z.enum(CONFIG_KINDS),
  name: z.string().max(120).regex(FILE_NAME, 'a plain file name ending in .yaml, .yml or .txt, never a path'),
})

/** Who saved: the console sends the operator's name; scripts may leave it out. */
const savedBy = (headers: Record<string, string | string[] | undefined>) => {
  const raw = headers['x-qunbot-operator']
  const name = (Array.isArray(raw) ? raw[0] : raw)?.trim().slice(0, 40)
  return name ? maskPersonalData(name) : 'api'
}

function saved(result: SaveResult): RouteResult {
  if (result.ok) return { status: 200, body: { version: result.version, live: result.live } }
  if (result.status === 409)
    return {
      status: 409,
      body: {
        error: 'stale',
        message: result.current
          ? 'the file changed since this version was read; compare with the current text'
          : 'the file does not exist any more; save without a version to create it',
        ...(result.current ? { current: result.current } : {}),
      },
    }
  if (result.status === 422) return { status: 422, body: { error: 'invalid', problems: result.problems } }
  return {
    status: result.status,
    body: { error: result.status === 404 ? 'not_found' : 'bad_request', message: result.reason },
  }
}

/**
 * The operators' files over HTTP (the console's editor and scripts): list with problems, read,
 * save with a version check, delete, history and restore. Admin token only.
 */
export function createConfigRoutes(store: ConfigStore): RouteDefinition[] {
  const base = '/api/config/files/:kind/:name'
  return [
    defineRoute({
      method: 'GET',
      path: '/api/config/files',
      summary: 'Every operator file with its version and problems (line, column, message)',
      handler: () => ({ status: 200, body: { files: store.list() } }),
    }),
    defineRoute({
      method: 'GET',
      path: base,
      summary: 'One file: text, version, problems',
      params: fileParams,
      handler: ({ params }) => {
        const file = store.get(params.kind, params.name)
        return file
          ? { status: 200, body: file }
          : { status: 404, body: { error: 'not_found', message: `no ${params.kind} file ${params.name}` } }
      },
    }),
    defineRoute({
      method: 'PUT',
      path: base,
      summary:
        'Save a file: 200 {version, live}; 409 when version is stale (or, without version, when the file exists); 422 {problems}, nothing written',
      params: fileParams,
      body: z.strictObject({
        text: z.string().max(1024 * 1024),
        version: z.string().min(1).max(64).optional(),
      }),
      bodyLimit: 2 * 1024 * 1024,
      handler: ({ params, body, headers }) =>
        saved(store.save(params.kind, params.name, body.text, body.version, savedBy(headers))),
    }),
    defineRoute({
      method: 'DELETE',
      path: base,
      summary: 'Delete a file (its versions stay restorable)',
      params: fileParams,
      handler: ({ params }) =>
        store.remove(params.kind, params.name)
          ? { status: 204 }
          : { status: 404, body: { error: 'not_found', message: `no ${params.kind} file ${params.name}` } },
    }),
    defineRoute({
      method: 'GET',
      path: `${base}/history`,
      summary: 'The last 20 saved versions of a file, newest first',
      params: fileParams,
      handler: ({ params }) => ({ status: 200, body: { versions: store.history(params.kind, params.name) } }),
    }),
    defineRoute({
      method: 'POST',
      path: `${base}/restore`,
      summary: 'Save a kept version again as the newest',
      params: fileParams,
      body: z.strictObject({ version: z.string().min(1).max(64) }),
      handler: ({ params, body, headers }) =>
        saved(store.restore(params.kind, params.name, body.version, savedBy(headers))),
    }),
  ]
}
