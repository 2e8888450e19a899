// The package's public API as an application uses it: `loadPlugin` on examples/RequestFilter.c (compiled,
// verified and JIT-compiled), runs on request paths with contexts by field name, maps read and written
// through BTF (struct fields, enum keys by name), every bad call refused naming what is wrong, and the
// same from plain Node: `import ... from 'ebpf-for-node'` in examples/plugin-server.mjs and in an
// application outside the package, with no TypeScript loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as api from '../../src/embed/index.ts';
import { loadPlugin, PluginError, ContextError, Runtime, RuntimeError } from '../../src/embed/index.ts';
import { repoRoot } from '../support/paths.ts';

const filterSource = join(repoRoot, 'examples', 'RequestFilter.c');

test('a request filter plug-in: rules set by field name, verdicts per path, counters and the last denial read back decoded', async () => {
  const filter = await loadPlugin(filterSource);
  try {
    assert.deepEqual(filter.programs, ['RequestFilter']);
    assert.deepEqual([...filter.maps].sort(), ['blocked', 'last_denied', 'stats']);
    const blocked = filter.map('blocked');
    blocked.set(0, { prefix: '/admin', length: 6 });
    blocked.set(3, { prefix: '/.git', length: 5 });
    assert.deepEqual(blocked.get(3), { prefix: '/.git', length: 5 });

    const verdict = (path: string, port = 0) => filter.run({ data: path, context: { uint32_data: port } }).value;
    assert.equal(verdict('/admin/users', 40123), 1);
    assert.equal(verdict('/index.html'), 0);
    assert.equal(verdict('/adm'), 0, 'shorter than the prefix: never read past the data');
    assert.equal(verdict('/.git/config', 5555), 1);
    assert.equal(verdict(''), 0);

    const stats = filter.map('stats');
    assert.deepEqual(stats.entries(), [{ key: 'ALLOWED', value: 3 }, { key: 'DENIED', value: 2 }]);
    assert.equal(stats.get('DENIED'), 2, 'an enum key by its name');
    assert.equal(stats.get(1), 2, 'or by its number');
    assert.deepEqual(filter.map('last_denied').get(0), { path: '/.git', client_port: 5555, rule: 3 });

    // The whole result of a run: r0 exactly, the context after the run by field name, the data.
    const run = filter.run({ data: new TextEncoder().encode('/admin'), context: { uint32_data: 7, uint16_data: 9 } });
    assert.equal(run.returnValue, 1n);
    assert.deepEqual(run.context, { uint32_data: 7, uint16_data: 9, helper_data_1: 0, helper_data_2: 0 });
    assert.equal(new TextDecoder().decode(run.data), '/admin');

    // A rule removed takes effect at the next run.
    blocked.set(0, { prefix: '', length: 0 });
    assert.equal(verdict('/admin/users'), 0);
  } finally {
    filter.close();
  }
});

test('bad calls are refused naming the map, field, program or context field, and change nothing', async () => {
  const runtime = new Runtime();
  const filter = await loadPlugin(filterSource, { runtime, execution: 'interpret' });
  try {
    const blocked = filter.map('blocked');
    const refused = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => (e instanceof PluginError || e instanceof ContextError || e instanceof RuntimeError) && pattern.test((e as Error).message), String(pattern));
    refused(() => filter.map('nope'), /^no map nope in this plug-in \(it has blocked, .*\)$/);
    refused(() => blocked.set(0, { prefix: 'x'.repeat(33), length: 33 }), /^map blocked: value\.prefix: text of 33 bytes does not fit 32 chars$/);
    refused(() => blocked.set(0, { prefx: '/a' }), /^map blocked: value\.prefx: struct _rule has no field prefx \(it has prefix, length\)$/);
    refused(() => blocked.set(0, { length: -1 }), /^map blocked: value\.length: -1 does not fit uint32_t \(0 to 4294967295\)$/);
    refused(() => blocked.set(9, { length: 1 }), /^map blocked: index 9 is outside the array \(max entries 8\)$/);
    refused(() => filter.map('stats').get('MAYBE'), /^map stats: key: "MAYBE" is not a value of enum _verdict \(ALLOWED, DENIED\)$/);
    refused(() => blocked.set(new Uint8Array(3), { length: 1 }), /^map blocked: its keys are 4 bytes; 3 given$/);
    refused(() => filter.run('Other'), /^no program Other in this plug-in \(it has RequestFilter\)$/);
    refused(() => filter.run({ context: { data_start: 1 } }), /^data_start is the context's data pointer: pass the bytes it points to as `data`/);
    refused(() => filter.run({ context: { port: 1 } }), /^a sample context has no field port \(it has uint32_data, uint16_data, helper_data_1, helper_data_2\)$/);
    refused(() => filter.run({ context: { uint16_data: 70000 } }), /^70000 does not fit the 2-byte field uint16_data$/);
    refused(() => filter.run({ context: 'port=1' as never }), /^a sample context is given by field name \(\{ uint32_data: 1 \}\) or as its 32 bytes, not string$/);
    refused(() => filter.run({ data: 5 as never }), /^program \d+ \(RequestFilter\): data_in must be bytes \(a Uint8Array\), not number 5$/);
    refused(() => filter.map('stats').get(1.5), /^map stats: key: 1\.5 is not an integer \(verdict_t\)$|^map stats: key: 1\.5 is not a value of enum/);
    refused(() => filter.run({ context: new Uint8Array(5) }), /^program \d+ \(RequestFilter\): a sample context is 32 bytes; ctx_in has 5$/);
    // Nothing above changed a map.
    assert.deepEqual(blocked.entries().filter((e) => (e.value as { length: number }).length !== 0), []);
    assert.deepEqual(filter.map('stats').entries(), [{ key: 'ALLOWED', value: 0 }, { key: 'DENIED', value: 0 }]);
  } finally {
    filter.close();
  }
  assert.deepEqual([runtime.programs(), runtime.maps()], [[], []], 'close unloads the programs and their maps');
  assert.throws(() => filter.run(), /this plug-in was closed/);
});

test('a plug-in the verifier refuses is not loaded: the error names the program, pc and line; nothing is left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-embed-'));
  try {
    const source = join(dir, 'Unchecked.c');
    writeFileSync(source, [
      '#include <bpf_helpers.h>',
      '#include <sample_ext_helpers.h>',
      'SEC("sample_ext") int Unchecked(sample_program_context_t* ctx) {',
      '    return ctx->data_start[4]; // no check against data_end',
      '}',
      'char LICENSE[] SEC("license") = "MIT";',
      '',
    ].join('\n'));
    const runtime = new Runtime();
    await assert.rejects(loadPlugin(source, { runtime }), (e: unknown) => e instanceof RuntimeError && e.code === 'NOT_VERIFIED' && /Unchecked.*failed verification: pc \d+ .*Unchecked\.c:4/s.test(e.message));
    assert.deepEqual([runtime.programs(), runtime.maps()], [[], []]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("index.mjs (plain Node's entry) exports exactly index.ts's names", async () => {
  const entry = '../../src/embed/index.mjs';
  const plain = (await import(entry)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(plain).sort(), Object.keys(api).sort());
  for (const name of Object.keys(api)) assert.equal(typeof plain[name], typeof (api as Record<string, unknown>)[name], name);
});

/** Runs `node file` (no TypeScript loader) with `env`, resolving with its stdout once `ready` matches it. */
function plainNode(file: string, env: Record<string, string>, ready: RegExp, cwd: string) {
  const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const started = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${out}${err}`)));
  });
  return { child, started, output: () => out + err };
}

function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('examples/plugin-server.mjs under plain Node: denied paths get 403, others 200, /stats shows the counters', async () => {
  const server = plainNode(join(repoRoot, 'examples', 'plugin-server.mjs'), { PORT: '0' }, /listening on http:\/\/127\.0\.0\.1:(\d+)\n/, repoRoot);
  try {
    const port = Number((await server.started)[1]);
    assert.deepEqual(await fetchText(port, '/admin/config'), { status: 403, body: 'denied\n' });
    assert.deepEqual(await fetchText(port, '/index.html'), { status: 200, body: 'hello\n' });
    assert.deepEqual(await fetchText(port, '/.git/HEAD'), { status: 403, body: 'denied\n' });
    const stats = await fetchText(port, '/stats');
    assert.equal(stats.status, 200);
    const shown = JSON.parse(stats.body) as { stats: unknown; lastDenied: { path: string; rule: number; client_port: number } };
    assert.deepEqual(shown.stats, [{ key: 'ALLOWED', value: 2 }, { key: 'DENIED', value: 2 }]);
    assert.deepEqual([shown.lastDenied.path, shown.lastDenied.rule], ['/.git', 1]);
    assert.ok(shown.lastDenied.client_port > 0);
  } finally {
    server.child.kill();
  }
});

test('an application outside the package imports it by name (node_modules/ebpf-for-node) with no TypeScript loader', async () => {
  const app = mkdtempSync(join(tmpdir(), 'ebpf-app-'));
  try {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(repoRoot, join(app, 'node_modules', 'ebpf-for-node'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
    writeFileSync(join(app, 'app.js'), [
      "import { loadPlugin, windowsPlatform } from 'ebpf-for-node';",
      `const filter = await loadPlugin(${JSON.stringify(filterSource)}, { execution: 'interpret' });`,
      "filter.map('blocked').set(0, { prefix: '/private', length: 8 });",
      "console.log(['/private/key', '/public'].map((path) => `${path} ${filter.run({ data: path }).value}`).join(', '));",
      "console.log(`${windowsPlatform.programTypes.length} program types`);",
      'filter.close();',
      '',
    ].join('\n'));
    const run = plainNode(join(app, 'app.js'), {}, /program types\n/, app);
    await run.started;
    assert.match(run.output(), /^\/private\/key 1, \/public 0\n\d+ program types\n$/);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});

test('the README shows the plug-in API as the example server uses it', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  assert.match(readme, /import \{ loadPlugin \} from 'ebpf-for-node';/);
  assert.match(readme, /node examples\/plugin-server\.mjs/);
});
