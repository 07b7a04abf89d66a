// The console's HTTP client: the admin token and JSON calls to /api.

const TOKEN_KEY = 'qunbot.adminToken'

/**
 * Takes the token from `#token=…` (the URL `npm start` prints) into sessionStorage and removes it
 * from the address bar, so it does not stay in history or get shared with a screenshot.
 */
export function takeTokenFromUrl() {
  const hash = new URLSearchParams(location.hash.slice(1))
  const token = hash.get('token')
  if (token !== null) {
    if (token.trim()) sessionStorage.setItem(TOKEN_KEY, token.trim())
    hash.delete('token')
    const rest = hash.toString()
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`)
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token)
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY)
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/**
 * Calls the API; a JSON body gets a content-type, a bodiless POST gets none. Throws ApiError,
 * except for the statuses in `answers`, whose body is returned like a 2xx's.
 */
export async function api(method, path, body, answers = []) {
  const headers = {}
  const token = sessionStorage.getItem(TOKEN_KEY)
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res
  try {
    res = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  } catch {
    throw new ApiError(0, '无法连接到 qunbot (cannot reach the server; is it running?)')
  }
  const text = await res.text()
  let data
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    data = undefined
  }
  if (!res.ok && !answers.includes(res.status))
    throw new ApiError(res.status, data?.message ?? `HTTP ${res.status}`)
  return data
}

/** The bot's health: a 503 (not connected) is an answer with the reason, not an error. */
export const health = () => api('GET', '/api/health', undefined, [503])

/** GETs a file (a CSV export) with the token, as a Blob of its exact bytes. Throws ApiError. */
export async function apiBlob(path) {
  const token = sessionStorage.getItem(TOKEN_KEY)
  let res
  try {
    res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  } catch {
    throw new ApiError(0, '无法连接到 qunbot (cannot reach the server; is it running?)')
  }
  if (!res.ok) {
    const data = await res.json().catch(() => undefined)
    throw new ApiError(res.status, data?.message ?? `HTTP ${res.status}`)
  }
  // Not res.text(): decoding would drop the byte order mark that tells Excel the file is UTF-8.
  return res.blob()
}

export const sim = {
  health,
  rooms: () => api('GET', '/api/sim/rooms').then((r) => r.rooms),
  createRoom: (topic, members) => api('POST', '/api/sim/rooms', { topic, members }),
  addMember: (roomId, name, silent) =>
    api('POST', `/api/sim/rooms/${encodeURIComponent(roomId)}/members`, { name, silent }),
  removeMember: (roomId, memberId) =>
    api('DELETE', `/api/sim/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(memberId)}`),
  say: (roomId, from, text, mentionBot) =>
    api('POST', `/api/sim/rooms/${encodeURIComponent(roomId)}/messages`, { from, text, mentionBot }),
  postMedia: (roomId, from, media) =>
    api('POST', `/api/sim/rooms/${encodeURIComponent(roomId)}/messages`, { from, media }),
  recall: (roomId, messageId) =>
    api(
      'POST',
      `/api/sim/rooms/${encodeURIComponent(roomId)}/messages/${encodeURIComponent(messageId)}/recall`,
    ),
  transcript: (roomId) =>
    api('GET', `/api/sim/rooms/${encodeURIComponent(roomId)}/messages`).then((r) => r.messages),
  clock: () => api('GET', '/api/sim/clock').then((r) => r.now),
  advance: (ms) => api('POST', '/api/sim/clock/advance', { ms }).then((r) => r.now),
  settle: () => api('POST', '/api/sim/settle').then((r) => r.now),
}

/** Object URLs (promises) of fetched files, by path: pages redraw on every poll. */
const objectUrls = new Map()

/**
 * Fetches a file (a member's screenshot) with the token, once per path (every redraw while it
 * loads shares the fetch); resolves with an object URL for it. A failed fetch is tried again.
 */
export function apiObjectUrl(path) {
  let url = objectUrls.get(path)
  if (!url) {
    url = fetchObjectUrl(path)
    objectUrls.set(path, url)
    url.catch(() => objectUrls.delete(path))
  }
  return url
}

async function fetchObjectUrl(path) {
  const token = sessionStorage.getItem(TOKEN_KEY)
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  if (!res.ok) throw new ApiError(res.status, `${res.status}`)
  return URL.createObjectURL(await res.blob())
}
