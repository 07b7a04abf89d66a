// DOM helpers shared by the console pages: elements, times, the error banner and the token form.
import { ApiError, clearToken, setToken } from './api.js'

export const $ = (id) => document.getElementById(id)

export const pad = (n) => String(n).padStart(2, '0')
export const formatTime = (ms) => {
  const d = new Date(ms)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** Creates an element with a class and text (always textContent, never HTML). */
export function el(tag, className, text) {
  const node = document.createElement(tag)
  if (className) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

export function showError(message) {
  $('error-text').textContent = message
  $('error-banner').hidden = false
}

export function clearError() {
  $('error-banner').hidden = true
}

export const TOKEN_REJECTED = '令牌无效或已过期 (the token was rejected): 请重新打开 npm start 打印的地址'

/**
 * Returns the page's error handler: a 401 forgets the token and calls `onUnauthorized` with the
 * reason, a missing API route shows `notAvailable`, anything else shows its message.
 */
export function createErrorHandler({ onUnauthorized, notAvailable }) {
  return (error) => {
    if (error instanceof ApiError && error.status === 401) {
      clearToken()
      onUnauthorized(TOKEN_REJECTED)
    } else if (error instanceof ApiError && error.status === 404 && error.message.startsWith('no route')) {
      showError(notAvailable)
    } else {
      showError(error instanceof Error ? error.message : String(error))
    }
  }
}

/**
 * Returns `run(action, options)`: clears the last error, marks the page busy, runs the action,
 * then `refresh(options)`; a failure goes to `handleError`.
 */
export function createRunner(refresh, handleError) {
  return async (action, options) => {
    clearError()
    document.body.dataset.busy = 'true'
    try {
      await action()
      await refresh(options)
    } catch (error) {
      handleError(error)
    } finally {
      delete document.body.dataset.busy
    }
  }
}

/** Wires the error banner's close button and the token form, which calls `onToken` once saved. */
export function wireErrorAndToken(onToken) {
  $('error-close').addEventListener('click', clearError)
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const token = $('token-input').value.trim()
    if (!token) return
    setToken(token)
    $('token-input').value = ''
    onToken()
  })
}

/** Where staff pages keep the name staff actions are logged under (handoff, moderation). */
export const STAFF_KEY = 'qunbot.staffName'

/** Fills the top bar's staff-name field from storage and keeps storage in step with it. */
export function wireStaffName() {
  const staff = $('staff-name')
  staff.value = localStorage.getItem(STAFF_KEY) ?? ''
  staff.addEventListener('input', () => {
    const name = staff.value.trim()
    if (name) localStorage.setItem(STAFF_KEY, name)
    else localStorage.removeItem(STAFF_KEY)
  })
}

/** A single full-width row saying the table is empty. */
export function emptyRow(body, columns, text) {
  const tr = el('tr')
  const td = el('td', 'empty', text)
  td.colSpan = columns
  tr.append(td)
  body.append(tr)
}

/**
 * Fills a group filter: 全部群 first, then the groups (a Map id -> name) by name, keeping the
 * current choice. Redraws only when the groups changed; returns what it drew, to pass back next
 * time as `drawn`.
 */
export function renderGroupOptions(select, groups, drawn) {
  const entries = [...groups].sort((a, b) => a[1].localeCompare(b[1], 'zh-CN'))
  const signature = JSON.stringify(entries)
  if (signature === drawn) return drawn
  const selected = select.value
  const all = el('option', '', '全部群 (all groups)')
  all.value = ''
  select.replaceChildren(
    all,
    ...entries.map(([id, topic]) => {
      const option = el('option', '', topic === id ? id : `${topic} (${id})`)
      option.value = id
      return option
    }),
  )
  select.value = selected
  return signature
}
