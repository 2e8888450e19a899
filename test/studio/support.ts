// What the Studio tests share: a real service (the runtime backend) on a temporary $EBPF_HOME, the page's
// address with its token, Debian's chromium driven by playwright-core (never a downloaded browser), and
// the directory screenshots go to (test-results/studio, ignored by git).

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startService, type RunningService } from '../../src/service/daemon.ts';
import { createRuntimeBackend } from '../../src/service/runtime-backend.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { repoRoot } from '../support/paths.ts';
import { removeHome, tempHome } from '../service/support/service.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const screenshotDir = join(repoRoot, 'test-results', 'studio');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no ${CHROMIUM}: install Debian's chromium (apt-get install chromium; npm test does it as root) to run the Studio browser tests`;
  return undefined;
}

/** A running service for a test, with the Studio's address. */
export interface StudioService {
  readonly service: RunningService;
  readonly home: string;
  readonly env: Record<string, string>;
  readonly url: string;
  /** The runtime behind the service (its CPU count is what per-CPU values have). */
  readonly runtime: Runtime;
  stop(): Promise<void>;
}

/** A service over a new runtime; `testSigning` loads native modules signed by any key (`service start --testsigning`). */
export async function startStudioService(options: { testSigning?: boolean } = {}): Promise<StudioService> {
  const home = tempHome();
  const runtime = new Runtime({ signingPolicy: () => ({ trustedKeys: [], testSigning: options.testSigning ?? false }) });
  const service = await startService({ EBPF_HOME: home }, await createRuntimeBackend(runtime));
  return {
    service,
    home,
    runtime,
    env: { ...process.env, EBPF_HOME: home } as Record<string, string>,
    url: `http://127.0.0.1:${service.httpPort}/studio?token=${service.token}`,
    async stop() {
      await service.stop();
      removeHome(home);
    },
  };
}

/** Launches Debian's chromium headless. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // As root chromium refuses its sandbox; the page it loads is our own, on loopback.
  const args = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** A page on the Studio that fails the test on any script error. */
export async function openStudio(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  // Generous: a page opened on a 100,000-entry map waits for the service to list them all first.
  await page.getByTestId('connection').getByText('live').waitFor({ timeout: 120_000 });
  return page;
}

/** Saves a screenshot of the page under test-results/studio. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
