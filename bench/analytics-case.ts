/**
 * The analytics case of `npm run bench`: the seed:large database (500 groups, 100,000
 * memberships, 1,000,000 messages over 30 days), then the overview request through the real
 * Fastify server (query, figures and JSON) for the default 7 days and for 30 days, one group's
 * page, and the dashboard's load in Debian's chromium (from navigation to every chart and the
 * 500-row groups table drawn). Issue target: overview < 200 ms.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { LARGE, seedLarge } from '../scripts/seed-large.js'
import { systemClock } from '../src/core/clock.js'
import { openDatabase } from '../src/db/client.js'
import { createAnalyticsRoutes } from '../src/features/analytics/analytics-routes.js'
import { AnalyticsService } from '../src/features/analytics/analytics-service.js'
import { createMetricsRepository } from '../src/features/analytics/metrics-repository.js'
import { median } from '../src/features/analytics/stats.js'
import { createLogger } from '../src/logging/create-logger.js'
import { buildServer } from '../src/server/build-server.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/browser.js'
import { round } from './stats.js'

const TOKEN = 'bench-analytics-token-0123456789'
// Not imported from the composition root: that would load Wechaty and its puppets into the
// bench process and inflate the pipeline case's memory figure.
const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../web')
const RUNS = 7

export interface AnalyticsResults {
  seed: { ms: number; rows: Record<string, number> }
  /** Medians of RUNS requests, ms. */
  overview7dMs: number
  overview30dMs: number
  groupPageMs: number
  /** Median of 3 loads, ms; null when chromium is not installed. */
  dashboardLoadMs: number | null
}

export async function runAnalyticsCase(): Promise<AnalyticsResults> {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-bench-analytics-'))
  try {
    const file = join(dir, 'qunbot.sqlite')
    const seed = seedLarge(file, { ...LARGE, now: Date.now() })
    const db = openDatabase(file)
    const repo = createMetricsRepository(db)
    const service = new AnalyticsService(repo, systemClock, LARGE.timeZone)
    const server = await buildServer({
      logger: createLogger('silent'),
      adminToken: TOKEN,
      routes: createAnalyticsRoutes(
        service,
        (id) => repo.room(id) !== undefined,
        () => {},
      ),
      webDir: WEB_DIR,
      rateLimitPerMinute: 10_000,
    })
    const timeRequest = async (url: string) => {
      const samples: number[] = []
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now()
        const res = await server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } })
        samples.push(performance.now() - started)
        if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
      }
      return round(median(samples) ?? 0, 1)
    }
    const today = service.range(undefined, undefined, null)
    const date = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10)
    const overview7dMs = await timeRequest('/api/analytics/overview')
    const overview30dMs = await timeRequest(
      `/api/analytics/overview?from=${date(today.toDay - 29)}&to=${date(today.toDay)}`,
    )
    const groupPageMs = await timeRequest('/api/analytics/groups/g1%40chatroom')

    let dashboardLoadMs: number | null = null
    if (existsSync(CHROMIUM)) {
      const address = await server.listen({ host: '127.0.0.1', port: 0 })
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
      try {
        const loads: number[] = []
        for (let i = 0; i < 3; i++) {
          const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
          const started = performance.now()
          await page.goto(`${address}/analytics.html#token=${TOKEN}`)
          // A string, evaluated in the page (this file is compiled without the DOM types).
          await page.waitForFunction(
            `document.querySelectorAll('[data-testid="groups-table"] tbody tr').length === ${LARGE.groups} &&
             document.querySelector('[data-testid="kpi-messages"]')?.textContent !== '-'`,
            undefined,
            { timeout: 60_000 },
          )
          loads.push(performance.now() - started)
          await page.close()
        }
        dashboardLoadMs = round(median(loads) ?? 0, 0)
      } finally {
        await browser.close()
      }
    }
    await server.close()
    db.$client.close()
    return { seed, overview7dMs, overview30dMs, groupPageMs, dashboardLoadMs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function printAnalyticsSection(r: AnalyticsResults): void {
  console.log('\n  Analytics (seed:large: 500 groups, 100,000 members, 1,000,000 messages)')
  console.log(`  seeded in                  ${(r.seed.ms / 1000).toFixed(1)} s`)
  console.log(`  overview, 7 days (ms)      median ${r.overview7dMs}   (target < 200)`)
  console.log(`  overview, 30 days (ms)     median ${r.overview30dMs}`)
  console.log(`  one group's page (ms)      median ${r.groupPageMs}`)
  console.log(
    `  dashboard load (ms)        ${r.dashboardLoadMs === null ? 'not measured: /usr/bin/chromium not installed' : `median ${r.dashboardLoadMs} (navigation to every chart and 500 table rows drawn)`}`,
  )
}
