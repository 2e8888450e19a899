// The Studio following programs as they run, in a real browser (Debian's chromium through playwright-core):
// per-CPU values one per CPU and edited with one group of inputs per CPU, ring buffer and perf event array
// records streaming in past the ring's size, the bpf_printk trace, all without a reload; and a native
// module (.wasm) uploaded through the page working as an object does, with an unsigned one refused.
// Screenshots go to test-results/studio.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { LoadResult, MapEntry, MapInfo, ProgramInfo } from '../../src/client/api.ts';
import { buildNativeModule } from '../../src/native/index.ts';
import { readWasmSections } from '../../src/native/format.ts';
import { freshHome } from '../native/support.ts';
import { compileTestProgram } from '../support/compile.ts';
import { browserSkipReason, launchChromium, openStudio, screenshot, screenshotDir, startStudioService, type StudioService } from './support.ts';

const here = new URL('.', import.meta.url).pathname;
const skip = browserSkipReason();

/** A bind_md_t for a test run by process `pid` (operation BIND). */
function bindContext(pid: number): string {
  const context = Buffer.alloc(56);
  context.writeBigUInt64LE(BigInt(pid), 16);
  return context.toString('hex');
}

/** The text of the row at `index` of a table (rows are drawn as they are shown). */
const rowText = (page: Page, table: string, index: number) => page.getByTestId(table).locator(`[role="row"][data-index="${index}"]`).innerText();

/** Waits until the row at `index` of a table has a cell reading exactly `text`. */
async function cellShows(page: Page, table: string, index: number, text: string): Promise<void> {
  await page.getByTestId(table).locator(`[role="row"][data-index="${index}"] [role="cell"]`).getByText(text, { exact: true }).first().waitFor();
}

/** The ids of a load's programs and maps by name. */
async function loaded(studio: StudioService, programId: number): Promise<{ program: ProgramInfo; maps: Map<string, MapInfo> }> {
  const program = ((await studio.service.host.call('programs.list', {})) as ProgramInfo[]).find((p) => p.id === programId)!;
  const all = (await studio.service.host.call('maps.list', {})) as MapInfo[];
  return { program, maps: new Map(all.filter((m) => program.mapIds.includes(m.id)).map((m) => [m.name, m])) };
}

describe('the Studio following running programs in chromium', { skip: skip ?? false }, () => {
  let studio: StudioService;
  let browser: Browser;
  let object: string;
  const errors: string[] = [];

  before(async () => {
    object = await compileTestProgram(`${here}programs/live_records.c`);
    studio = await startStudioService({ testSigning: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await studio?.stop();
    console.log(`# Studio screenshots: ${screenshotDir}`);
  });

  const call = <T>(name: string, params: unknown) => studio.service.host.call(name, params) as Promise<T>;
  const open = (hash: string) => openStudio(browser, `${studio.url}${hash}`, errors);
  const noScriptErrors = () => assert.deepEqual(errors.splice(0), [], 'the page threw no script error');
  /** Uploads a file through the Programs view's load panel; returns the loaded program's id from the page's address. */
  const upload = async (page: Page, path: string): Promise<number> => {
    await page.getByTestId('load-file').setInputFiles(path);
    await page.getByTestId('load-submit').click();
    await page.getByRole('heading', { name: /^Program \d+: LiveRecords$/ }).waitFor();
    return Number(/#program\/(\d+)/.exec(page.url())![1]);
  };

  test('per-CPU values show one per CPU, are edited one CPU at a time, and rise live as the program runs', async () => {
    const page = await open('#programs');
    const programId = await upload(page, object);
    const { maps } = await loaded(studio, programId);
    const counts = maps.get('per_cpu_counts')!;
    const cpus = studio.runtime.cpuCount;
    const zeros = Array(cpus).fill('0').join(' | ');

    const mapPage = await open(`#map/${counts.id}`);
    await mapPage.getByText('BTF from live_records.o').waitFor();
    await cellShows(mapPage, 'map-entries', 0, zeros);
    assert.match(await mapPage.getByTestId('map-entries').locator('[role="columnheader"]').allInnerTexts().then((t) => t.join(',')), /runs,bytes/);

    // Three runs from the program's page (the running CPU is 0): CPU 0's slot counts them, the others stay 0.
    await page.locator('input[data-field="process_id"]').fill('4242');
    await page.getByTestId('run-data').fill('node.exe');
    await page.getByTestId('run-repeat').fill('3');
    await page.getByTestId('run-submit').click();
    await page.getByTestId('run-report').getByText('3 runs').waitFor();
    const rest = cpus > 1 ? ` | ${Array(cpus - 1).fill('0').join(' | ')}` : '';
    await cellShows(mapPage, 'map-entries', 0, `3${rest}`);
    await cellShows(mapPage, 'map-entries', 0, `24${rest}`);

    // The entry shows a value per CPU; editing gives one group of typed inputs per CPU.
    await mapPage.getByTestId('map-entries').locator('[role="row"][data-index="0"]').click();
    const panel = mapPage.getByTestId('entry-panel');
    for (let cpu = 0; cpu < cpus; cpu++) await panel.getByText(`value (CPU ${cpu})`).waitFor();
    await screenshot(mapPage, 'map-per-cpu');
    await panel.getByTestId('entry-edit').click();
    assert.equal(await panel.locator('fieldset legend').filter({ hasText: /^Value on CPU \d+$/ }).count(), cpus);
    const last = cpus - 1;
    await panel.locator(`input[data-field="cpu${last}.runs"]`).fill('not a number');
    await panel.getByTestId('entry-save').click();
    await panel.getByText(`cpu${last}.runs: 'not a number' is not an integer`).waitFor();
    await panel.locator(`input[data-field="cpu${last}.runs"]`).fill('40');
    await panel.locator(`input[data-field="cpu${last}.bytes"]`).fill('41');
    await screenshot(mapPage, 'entry-per-cpu-edit');
    await panel.getByTestId('entry-save').click();

    // The service holds what was typed for that CPU, and the others as they were.
    const stride = 16;
    const slot = (value: Buffer, cpu: number) => [value.readBigUInt64LE(cpu * stride), value.readBigUInt64LE(cpu * stride + 8)];
    const edited = async () => Buffer.from(((await call<MapEntry | null>('maps.lookup', { id: counts.id, key: '00000000' }))!).value, 'hex');
    await mapPage.getByTestId('entry-panel').getByTestId('entry-edit').waitFor();
    let value = await edited();
    if (cpus > 1) {
      assert.deepEqual(slot(value, 0), [3n, 24n]);
      assert.deepEqual(slot(value, last), [40n, 41n]);
    } else assert.deepEqual(slot(value, 0), [40n, 41n]);

    // Two more runs through the API: the view follows without a reload.
    await call('programs.testRun', { id: programId, contextIn: bindContext(4242), dataIn: Buffer.from('app.exe').toString('hex'), repeat: 2 });
    const expected = cpus > 1 ? `5 | ${Array(cpus - 2).fill('0 | ').join('')}40` : '42';
    await cellShows(mapPage, 'map-entries', 0, expected);
    value = await edited();
    assert.equal(slot(value, 0)[0], cpus > 1 ? 5n : 42n);
    await screenshot(mapPage, 'map-per-cpu-live');
    await mapPage.close();
    await page.close();
    noScriptErrors();
  });

  test('ring buffer and perf event array records stream in live, past the ring\'s size, read as their struct', async () => {
    const { program, maps } = await loaded(studio, (await call<LoadResult>('programs.load', { path: object, fileName: 'live_records.o', pinned: 'none' })).programIds[0]!);
    const ringPage = await open(`#map/${maps.get('events')!.id}`);
    const perfPage = await open(`#map/${maps.get('perf_events')!.id}`);
    for (const page of [ringPage, perfPage]) {
      await page.getByTestId('stream-records').getByText('No record yet').waitFor();
      await page.getByTestId('stream-count').getByText('0', { exact: true }).waitFor();
    }
    // The ring holds 256 bytes, 8 of these records: four rounds of five runs go past it only if the page's reads free it.
    for (let round = 1; round <= 4; round++) {
      await call('programs.testRun', { id: program.id, contextIn: bindContext(1000 + round), repeat: 5 });
      await ringPage.getByTestId('stream-count').getByText(String(round * 5), { exact: true }).waitFor();
      await perfPage.getByTestId('stream-count').getByText(String(round * 5), { exact: true }).waitFor();
    }
    // Newest first, read as struct live_event (the one struct of the records' 24 bytes).
    const ring = ringPage.getByTestId('stream-records');
    await ring.getByText('20 rows').waitFor();
    await ringPage.getByTestId('record-type').locator('option', { hasText: 'struct live_event (by size)' }).waitFor({ state: 'attached' });
    const headers = (await ring.locator('[role="columnheader"]').allInnerTexts()).map((h) => h.replace(/ [▲▼]$/, ''));
    assert.deepEqual(headers, ['#', 'Bytes', 'pid', 'run', 'operation', 'app_bytes']);
    assert.match(await rowText(ringPage, 'stream-records', 0), /^20\s+24\s+1004\s+\d+\s+0\s+0$/);
    assert.match(await rowText(ringPage, 'stream-records', 19), /^1\s+24\s+1001\s+\d+\s+0\s+0$/);
    await screenshot(ringPage, 'ringbuf-stream');
    // Read as bytes instead: hex and text.
    await ringPage.getByTestId('record-type').selectOption('(bytes)');
    assert.match(await rowText(ringPage, 'stream-records', 0), /^20\s+24\s+ec 03 00 00 00 00 00 00 .. .. .. .. 00 00 00 00 00 00 00 00 00 00 00 00\s/);
    // The perf event array's records carry their CPU (test runs run on CPU 0).
    assert.match(await rowText(perfPage, 'stream-records', 0), /^20\s+0\s+24\s+1004\s+\d+\s+0\s+0$/);
    await screenshot(perfPage, 'perf-stream');
    await ringPage.close();
    await perfPage.close();
    noScriptErrors();
  });

  test('the trace log shows what programs print with bpf_printk as they run', async () => {
    const { program } = await loaded(studio, (await call<LoadResult>('programs.load', { path: object, fileName: 'live_records.o', pinned: 'none' })).programIds[0]!);
    const page = await open('#trace');
    const trace = page.getByTestId('trace-table');
    const before = ((await call<{ lines: unknown[] }>('trace.read', {})).lines).length;
    await trace.getByText(before === 0 ? 'Nothing printed yet.' : new RegExp(`^${before} rows?$`)).waitFor();
    await call('programs.testRun', { id: program.id, contextIn: bindContext(31337), repeat: 2 });
    await trace.getByText(new RegExp(`^${before + 2} rows$`)).waitFor();
    // Newest first, with the program's name.
    assert.match(await rowText(page, 'trace-table', 0), new RegExp(`^${before + 2}\\s+.+?\\s+LiveRecords\\s+bind by 31337, run 2$`));
    assert.match(await rowText(page, 'trace-table', 1), new RegExp(`^${before + 1}\\s+.+?\\s+LiveRecords\\s+bind by 31337, run 1$`));
    // Lines printed while the page was open carry the time they came; the service kept no time for earlier ones.
    assert.doesNotMatch(await rowText(page, 'trace-table', 0), /earlier/);
    if (before > 0) assert.match(await rowText(page, 'trace-table', 2), /^\d+\s+earlier\s+LiveRecords/);
    await screenshot(page, 'trace');
    // Opening a line goes to its program.
    await trace.locator('[role="row"][data-index="0"]').click();
    await page.getByRole('heading', { name: `Program ${program.id}: LiveRecords` }).waitFor();
    await page.close();
    noScriptErrors();
  });

  test('a native module uploaded through the page loads NATIVE and is followed as an object is; an unsigned one is refused', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ebpf-studio-native-'));
    const { key } = freshHome();
    const module = buildNativeModule(new Uint8Array(readFileSync(object)), { name: 'live_records.o', key }).bytes;
    const signed = join(work, 'live_records.wasm');
    writeFileSync(signed, module);
    const unsigned = join(work, 'unsigned.wasm');
    writeFileSync(unsigned, module.subarray(0, readWasmSections(module).at(-1)!.start));

    const page = await open('#programs');
    const programsBefore = (await call<ProgramInfo[]>('programs.list', {})).length;
    await page.getByTestId('load-file').setInputFiles(unsigned);
    await page.getByTestId('load-native').waitFor();
    assert.equal(await page.getByTestId('load-execution').isDisabled(), true);
    await page.getByTestId('load-submit').click();
    await page.getByTestId('error-banner').getByText(/the native module is not signed/).waitFor();
    assert.equal((await call<ProgramInfo[]>('programs.list', {})).length, programsBefore, 'nothing loaded');
    await screenshot(page, 'native-refused');
    await page.getByRole('button', { name: 'Dismiss error' }).click();

    // The per-CPU test's load holds the program's default pin.
    await page.getByTestId('load-pinned').selectOption('none');
    const programId = await upload(page, signed);
    await page.getByTestId('program-mode').getByText('NATIVE', { exact: true }).waitFor();
    const { program, maps } = await loaded(studio, programId);
    assert.equal(program.fileName, 'live_records.wasm');
    await screenshot(page, 'native-program');

    // Its maps carry the module's BTF; runs from the page show in the per-CPU map, the stream and the trace.
    const mapPage = await open(`#map/${maps.get('per_cpu_counts')!.id}`);
    await mapPage.getByText('BTF from live_records.wasm').waitFor();
    const ringPage = await open(`#map/${maps.get('events')!.id}`);
    await ringPage.getByTestId('stream-count').getByText('0', { exact: true }).waitFor();
    const tracePage = await open('#trace');
    await page.locator('input[data-field="process_id"]').fill('777');
    await page.getByTestId('run-data').fill('a.exe');
    await page.getByTestId('run-repeat').fill('4');
    await page.getByTestId('run-submit').click();
    await page.getByTestId('run-report').getByText('4 runs').waitFor();
    await cellShows(mapPage, 'map-entries', 0, studio.runtime.cpuCount > 1 ? `4 | ${Array(studio.runtime.cpuCount - 1).fill('0').join(' | ')}` : '4');
    await ringPage.getByTestId('stream-count').getByText('4', { exact: true }).waitFor();
    assert.match(await rowText(ringPage, 'stream-records', 0), /^4\s+24\s+777\s+4\s+0\s+5$/);
    await tracePage.getByTestId('trace-table').getByText('bind by 777, run 4').waitFor();
    await screenshot(ringPage, 'native-ringbuf-stream');

    // The inspector opens the loaded module's programs as it opens an object's.
    await page.getByRole('button', { name: 'Inspect' }).click();
    await page.getByText('Verified as bind').waitFor();
    await screenshot(page, 'native-inspector');
    for (const p of [mapPage, ringPage, tracePage, page]) await p.close();
    noScriptErrors();
  });
});
