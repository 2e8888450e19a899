// The Studio end to end in a real browser (Debian's chromium through playwright-core): the inspector
// stepping through disassembly, graph and verifier states, an unsafe object's error at its source line,
// the live tables following the event stream, a map edited on the page and read back through the CLI,
// and a map of 100,000 entries staying responsive, an update bringing only the entry that changed (times
// logged, never asserted). Screenshots of each view go to test-results/studio.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bufferedIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import type { MapInfo } from '../../src/client/api.ts';
import type { StudioMetrics } from '../../src/studio/page/map-view.tsx';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { browserSkipReason, launchChromium, openStudio, screenshot, screenshotDir, startStudioService, type StudioService } from './support.ts';

const here = new URL('.', import.meta.url).pathname;

/** A bind_md_t for a test run: process id, operation BIND (0), the app id taken from the data. */
function contextHex(pid: number): string {
  const context = Buffer.alloc(56);
  context.writeBigUInt64LE(BigInt(pid), 16);
  return context.toString('hex');
}
const skip = browserSkipReason();

describe('the Studio in chromium', { skip: skip ?? false }, () => {
  let studio: StudioService;
  let browser: Browser;
  let canonical: string;
  let unsafe: string;
  const errors: string[] = [];

  before(async () => {
    canonical = await compileTestProgram(`${repoRoot}/examples/TraceConnections.c`);
    unsafe = await compileTestProgram(`${here}programs/unsafe_null.c`);
    studio = await startStudioService();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await studio?.stop();
    console.log(`# Studio screenshots: ${screenshotDir}`);
  });

  const call = (name: string, params: unknown) => studio.service.host.call(name, params);
  const open = async (hash = '') => {
    const page = await openStudio(browser, `${studio.url}${hash}`, errors);
    return page;
  };
  const noScriptErrors = () => assert.deepEqual(errors.splice(0), [], 'the page threw no script error');
  const selectedPc = async (page: Page) => Number(await page.getByTestId('disassembly').locator('[aria-selected="true"]').getAttribute('data-pc'));

  test('the inspector steps through the disassembly, the graph and a verifier state', async () => {
    const page = await open('#inspect');
    await page.getByTestId('inspect-file').setInputFiles(canonical);
    const listing = page.getByTestId('disassembly');
    await listing.waitFor();
    await page.getByText('Verified as bind').waitFor();
    assert.equal(await selectedPc(page), 0);
    // The source line is interleaved above its instructions.
    assert.match(await listing.innerText(), /TraceConnections\.c:22 if \(ctx->operation == BIND_OPERATION_BIND\)/);
    await screenshot(page, 'inspector-disassembly');

    // Following the conditional jump at pc 1 selects its target; Backspace comes back.
    const jump = listing.locator('[data-pc="1"] a.jump');
    const target = Number(await jump.getAttribute('data-target'));
    await jump.click();
    assert.equal(await selectedPc(page), target);
    await listing.focus();
    await page.keyboard.press('Backspace');
    assert.equal(await selectedPc(page), 0);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await selectedPc(page), 2);

    // The state before the selected instruction, one click away.
    await listing.locator('[data-pc="3"]').click();
    const state = page.getByTestId('state');
    await state.getByText('before pc 3').waitFor();
    const stateText = await state.innerText();
    if (/recorded no states/.test(stateText)) {
      assert.fail('the verifier recorded no states: the page says so, but the state view cannot be shown');
    }
    assert.match(stateText, /r6\.type=ctx/);
    await screenshot(page, 'inspector-state');

    // The graph: blocks laid out with their source lines; clicking an instruction selects it.
    await page.getByRole('tab', { name: 'Graph' }).click();
    const graph = page.getByTestId('cfg');
    await graph.locator('svg').waitFor();
    const blocks = await graph.locator('g.block').count();
    assert.ok(blocks >= 5, `${blocks} blocks drawn`);
    assert.match(await graph.innerText(), /25: process_info\* p = bpf_map_lookup_elem/);
    await graph.locator('text[data-pc="16"]').click();
    await state.getByText('before pc 16').waitFor();
    assert.equal(await graph.locator('g.block.current text.insn.sel').getAttribute('data-pc'), '16');
    await screenshot(page, 'inspector-graph');
    await page.close();
    noScriptErrors();
  });

  test('an unsafe object shows the verifier error at its source line', async () => {
    const page = await open('#inspect');
    await page.getByTestId('inspect-file').setInputFiles(unsafe);
    const verdict = page.getByTestId('verdict');
    await verdict.getByText('Rejected by the verifier').waitFor();
    const marked = readFileSync(`${here}programs/unsafe_null.c`, 'utf8').split('\n').findIndex((l) => l.includes('// ERROR')) + 1;
    assert.match(await verdict.getByTestId('error-source').innerText(), new RegExp(`unsafe_null\\.c:${marked}: \\*count \\+= 1;`));
    // The failing instruction is selected and highlighted, with its state beside it.
    const failing = page.getByTestId('disassembly').locator('.insn.err');
    assert.equal(await failing.count(), 1);
    const pc = Number(await failing.getAttribute('data-pc'));
    assert.equal(await selectedPc(page), pc);
    await page.getByTestId('state').getByText(`before pc ${pc}`).waitFor();
    await screenshot(page, 'inspector-unsafe');
    await page.getByRole('tab', { name: 'Graph' }).click();
    await page.getByTestId('cfg').locator('g.block.failing').waitFor();
    await screenshot(page, 'inspector-unsafe-graph');
    await page.close();
    noScriptErrors();
  });

  test('the tables and a map view follow the event stream without reloading', async () => {
    const page = await open('#maps');
    const table = page.getByTestId('maps-table');
    await table.getByText('No map exists.').waitFor();
    const created = (await call('maps.create', { name: 'live_counts', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 64, pinPath: 'BPF:\\live_counts' })) as MapInfo;
    await table.getByRole('link', { name: 'live_counts' }).waitFor();
    await page.getByRole('tab', { name: /Pins/ }).click();
    await page.getByTestId('pins-table').getByText('BPF:\\live_counts').waitFor();
    await screenshot(page, 'pins');
    await page.getByRole('tab', { name: /Maps/ }).click();
    await screenshot(page, 'maps');
    await page.getByTestId('maps-table').getByRole('link', { name: 'live_counts' }).click();
    const count = page.getByTestId('map-entry-count');
    await count.getByText('0', { exact: true }).waitFor();
    for (let i = 1; i <= 3; i++) {
      await call('maps.update', { id: created.id, key: `0${i}000000`, value: `0${i}00000000000000` });
      await count.getByText(String(i), { exact: true }).waitFor();
    }
    await screenshot(page, 'map-entries');
    await page.getByRole('tab', { name: /Links/ }).click();
    await page.getByTestId('links-table').getByText('No program is attached.').waitFor();
    await screenshot(page, 'links');
    await page.getByRole('tab', { name: /Programs/ }).click();
    await screenshot(page, 'programs');
    // The dark theme.
    await page.getByRole('button', { name: 'Dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.goto(`${studio.url}#map/${created.id}`);
    await page.getByTestId('map-entry-count').getByText('3', { exact: true }).waitFor();
    await screenshot(page, 'map-entries-dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
    await page.close();
    noScriptErrors();
  });

  test('a map value edited on the page is what the CLI dumps', async () => {
    const created = (await call('maps.create', { name: 'edited', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4, pinPath: 'BPF:\\edited' })) as MapInfo;
    const page = await open(`#map/${created.id}`);
    const entries = page.getByTestId('map-entries');
    await page.getByTestId('map-entry-count').getByText('4', { exact: true }).waitFor();
    // Rows are keyed by the key's hex; key 2 of the array.
    await entries.locator('[role="row"][data-index]').nth(2).click();
    const panel = page.getByTestId('entry-panel');
    await panel.getByTestId('entry-edit').click();
    await panel.locator('input[data-field="hex"]').fill('2a 00 00 00 00 00 00 01');
    await screenshot(page, 'entry-edit');
    await panel.getByTestId('entry-save').click();
    await entries.getByText('2a 00 00 00 00 00 00 01').first().waitFor();
    const io = bufferedIo({ env: studio.env });
    assert.equal(await runCli(['map', 'lookup', 'name', 'edited', 'key', '2', '0', '0', '0'], io), 0, io.stderr);
    assert.match(io.stdout, /value: 2a 00 00 00 00 00 00 01/);
    // A value of the wrong length is refused on the page, naming the field, and nothing changes.
    await panel.getByTestId('entry-edit').click();
    await panel.locator('input[data-field="hex"]').fill('01 02');
    await panel.getByTestId('entry-save').click();
    await panel.getByText('value: 2 bytes given; it takes 8').waitFor();
    const again = bufferedIo({ env: studio.env });
    await runCli(['map', 'lookup', 'name', 'edited', 'key', '2', '0', '0', '0'], again);
    assert.equal(again.stdout, io.stdout);
    await page.close();
    noScriptErrors();
  });

  test('the canonical example loads through the page and its test runs raise proc_map\'s count live', async () => {
    const page = await open('#programs');
    await page.getByTestId('load-file').setInputFiles(canonical);
    await page.getByTestId('load-execution').selectOption('interpret');
    await page.getByTestId('load-submit').click();
    // The page goes to the loaded program.
    await page.getByRole('heading', { name: /^Program \d+: TraceConnections$/ }).waitFor();
    const programId = Number(/#program\/(\d+)/.exec(page.url())![1]);
    const listed = (await call('programs.list', {})) as { id: number; mode: string; fileName: string }[];
    assert.equal(listed.find((p) => p.id === programId)?.mode, 'INTERPRET');
    assert.equal(listed.find((p) => p.id === programId)?.fileName, 'TraceConnections.o');
    await screenshot(page, 'program');

    // A map view of proc_map in a second tab, following the runs live.
    const maps = (await call('maps.list', {})) as MapInfo[];
    const procMap = maps.filter((m) => m.name === 'proc_map').sort((a, b) => b.id - a.id)[0]!;
    const mapPage = await open(`#map/${procMap.id}`);
    await mapPage.getByTestId('map-entry-count').getByText('0', { exact: true }).waitFor();

    // Test runs from the page: a bind by process 4242 of node.exe, three times.
    await page.locator('input[data-field="process_id"]').fill('4242');
    await page.locator('input[data-field="operation"]').fill('0');
    await page.getByTestId('run-data').fill('node.exe');
    await page.getByTestId('run-repeat').fill('3');
    await page.getByTestId('run-submit').click();
    const report = page.getByTestId('run-report');
    await report.getByText('3 runs').waitFor();
    assert.match(await report.innerText(), /proc_map key 92 10 00 00: added/);
    await screenshot(page, 'test-run');

    // The map view shows the entry and its count without a reload, and it rises with more runs.
    const entries = mapPage.getByTestId('map-entries');
    await mapPage.getByTestId('map-entry-count').getByText('1', { exact: true }).waitFor();
    const countCell = async () => (await entries.locator('[role="row"][data-index="0"]').innerText());
    await mapPage.waitForFunction(() => document.querySelector('[data-testid="map-entries"] [role="row"][data-index="0"]')?.textContent?.includes('node.exe'));
    const before = await countCell();
    await call('programs.testRun', { id: programId, contextIn: contextHex(4242), dataIn: Buffer.from('node.exe').toString('hex'), repeat: 5 });
    await mapPage.waitForFunction((old) => document.querySelector('[data-testid="map-entries"] [role="row"][data-index="0"]')?.textContent !== old, before);
    await screenshot(mapPage, 'proc-map-live');
    // And the program's run count on its page rose without a reload (3 from the page, 5 from the API).
    await page.getByTestId('program-runs').getByText('8', { exact: true }).waitFor();
    await mapPage.close();
    await page.close();
    noScriptErrors();
  });

  test('a struct value is typed field by field on the page and the CLI decodes it back', async () => {
    const typed = await compileTestProgram(`${here}programs/typed_values.c`);
    await call('programs.load', { path: typed, fileName: 'typed_values.o', pinned: 'none' });
    const records = ((await call('maps.list', {})) as MapInfo[]).find((m) => m.name === 'records')!;
    const page = await open(`#map/${records.id}`);
    await page.getByText('BTF from typed_values.o').waitFor();
    await page.getByRole('button', { name: 'New entry' }).click();
    const panel = page.getByTestId('entry-panel');
    await panel.locator('input[data-field="key.(value)"]').fill('7');
    await panel.locator('input[data-field="count"]').fill('5');
    await panel.locator('select[data-field="verdict"]').selectOption('VERDICT_BLOCK');
    await panel.locator('input[data-field="name"]').fill('node.exe');
    await panel.locator('input[data-field="app"]').fill('Äpp');
    await panel.locator('input[data-field="peer.port"]').fill('8080');
    await panel.locator('input[data-field="ports[2]"]').fill('443');
    await screenshot(page, 'entry-typed');
    await panel.getByTestId('entry-save').click();
    const entries = page.getByTestId('map-entries');
    await entries.getByText('VERDICT_BLOCK').waitFor();
    assert.match(await entries.innerText(), /node\.exe[\s\S]*Äpp/);
    const io = bufferedIo({ env: studio.env, json: true });
    assert.equal(await runCli(['map', 'dump', 'name', 'records'], io), 0, io.stderr);
    const dumped = JSON.parse(io.stdout) as { key: unknown; value: Record<string, unknown> }[];
    assert.deepEqual(dumped.map((e) => [e.key, e.value.count, e.value.verdict, e.value.name, e.value.app, e.value.ports]), [[7, 5, 'VERDICT_BLOCK', 'node.exe', 'Äpp', [0, 0, 443]]]);
    await page.close();
    noScriptErrors();
  });

  test('100 programs stay listed and sortable (times logged)', async () => {
    const page = await open('#programs');
    const started = Date.now();
    for (let i = 0; i < 100; i++) await call('programs.load', { path: canonical, fileName: `copy-${i}.o`, pinned: 'none', execution: 'interpret' });
    const loadedMs = Date.now() - started;
    const table = page.getByTestId('programs-table');
    // However many programs earlier tests left loaded, the page must list exactly what the service has.
    const expected = ((await call('programs.list', {})) as unknown[]).length;
    await table.getByText(new RegExp(`^${expected} rows$`)).waitFor({ timeout: 120_000 });
    const shownMs = Date.now() - started;
    const sortStarted = Date.now();
    await table.getByRole('columnheader', { name: 'File' }).click();
    await table.locator('[role="row"][data-index="0"]').getByText('copy-0.o').waitFor();
    const sortMs = Date.now() - sortStarted;
    await screenshot(page, 'programs-100');
    console.log(`# Studio 100 programs: loaded through the API in ${loadedMs} ms, all listed on the page ${shownMs - loadedMs} ms after the last load, sort by file ${sortMs} ms`);
    await page.close();
    noScriptErrors();
  });

  test('a map of 100,000 entries stays responsive (rows virtualised; times logged)', async () => {
    const created = (await call('maps.create', { name: 'big', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 200_000, pinPath: 'BPF:\\big' })) as MapInfo;
    const runtime = studio.service.host.runtime;
    const key = new Uint8Array(4);
    const value = new Uint8Array(8);
    for (let i = 0; i < 100_000; i++) {
      new DataView(key.buffer).setUint32(0, i, true);
      new DataView(value.buffer).setUint32(0, i * 3, true);
      runtime.update(created.id, key, value, 0);
    }
    const page = await open(`#map/${created.id}`);
    await page.getByTestId('map-entry-count').getByText('100000', { exact: true }).waitFor();
    await page.waitForFunction(() => window.studioMetrics.mapFirstRender.length > 0);
    const drawn = await page.getByTestId('map-entries').locator('[role="row"][data-index]').count();
    assert.ok(drawn > 0 && drawn < 200, `${drawn} rows in the DOM for 100,000 entries`);
    await screenshot(page, 'map-100k');

    // An insert and an update in place through the API: the view asks for what changed since its version
    // and patches its rows, one entry each time, instead of listing the map again.
    await call('maps.update', { id: created.id, key: 'ffffffff', value: '0100000000000000' });
    await page.getByTestId('map-entry-count').getByText('100001', { exact: true }).waitFor();
    await page.waitForFunction(() => window.studioMetrics.mapUpdate.length > 0);
    await call('maps.update', { id: created.id, key: '05000000', value: 'efbeadde00000000' });
    const filter = page.getByTestId('map-entries').locator('input.filter');
    await filter.fill('ef be ad de');
    await page.getByTestId('map-entries').getByText('1 of 100001 rows').waitFor();
    assert.match(await page.getByTestId('map-entries').locator('[role="row"][data-index="0"]').innerText(), /05 00 00 00\s+ef be ad de 00 00 00 00/);
    await screenshot(page, 'map-100k-updated');
    await filter.fill('');
    const updates = (await page.evaluate(() => window.studioMetrics.mapUpdate)).filter((m) => m.mapId === created.id);
    assert.deepEqual(updates.map((m) => [m.entries, m.changed]), [[100001, 1], [100001, 1]]);

    // Sorting all rows by value and jumping to the end stay usable.
    const sortStarted = Date.now();
    await page.getByTestId('map-entries').getByRole('columnheader', { name: /Value/ }).first().click();
    await page.getByTestId('map-entries').locator('[role="row"][data-index="0"]').waitFor();
    const sortMs = Date.now() - sortStarted;
    await page.getByTestId('map-entries').locator('[role="row"][data-index="0"]').focus();
    await page.keyboard.press('End');
    await page.getByTestId('map-entries').locator('[role="row"][data-index="100000"]').waitFor();
    const metrics = await page.evaluate(() => window.studioMetrics) as StudioMetrics;
    const first = metrics.mapFirstRender.find((m) => m.mapId === created.id)!;
    const [insert, update] = metrics.mapUpdate.filter((m) => m.mapId === created.id);
    console.log(`# Studio 100,000-entry map: first render ${first.totalMs} ms (fetch ${first.fetchMs} ms), an insert applied in ${insert!.totalMs} ms (fetch ${insert!.fetchMs} ms), an update in place in ${update!.totalMs} ms (fetch ${update!.fetchMs} ms), sort by value ${sortMs} ms`);
    await page.close();
    noScriptErrors();
  });
});
