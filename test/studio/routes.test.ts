// The Studio's service side, without a browser: the page and its routes refuse requests without the
// token, the inspector's view of objects (disassembly, blocks, verdicts with source lines), BTF layouts,
// the page's field-by-field encoding, and `ebpf studio`.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { bufferedIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import { openObject } from '../../src/object/index.ts';
import { inspectObject, type InspectedVerification } from '../../src/studio/inspect.ts';
import { layoutOf, type Layout } from '../../src/studio/layout.ts';
import { decode, leaves, writeLeaf } from '../../src/studio/page/values.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { rawRequest, removeHome, tempHome } from '../service/support/service.ts';
import { startStudioService, type StudioService } from './support.ts';

const here = new URL('.', import.meta.url).pathname;
let canonical: string;
let unsafe: string;
let typed: string;

before(async () => {
  canonical = await compileTestProgram(`${repoRoot}/examples/TraceConnections.c`);
  unsafe = await compileTestProgram(`${here}programs/unsafe_null.c`);
  typed = await compileTestProgram(`${here}programs/typed_values.c`);
});

const open = (path: string) => openObject(new Uint8Array(readFileSync(path)), { name: path.split('/').pop()! });

describe('the Studio routes', () => {
  let studio: StudioService;
  before(async () => {
    studio = await startStudioService();
  });
  after(() => studio.stop());

  const port = () => ({ port: studio.service.httpPort });
  const host = () => `127.0.0.1:${studio.service.httpPort}`;

  test('the page is served only with the token', async () => {
    const without = await rawRequest(port(), { method: 'GET', path: '/studio', headers: { host: host() } });
    assert.equal(without.status, 401);
    assert.doesNotMatch(without.body, /<script/);
    const wrong = await rawRequest(port(), { method: 'GET', path: '/studio?token=nope', headers: { host: host() } });
    assert.equal(wrong.status, 401);
    const right = await rawRequest(port(), { method: 'GET', path: `/studio?token=${studio.service.token}`, headers: { host: host() } });
    assert.equal(right.status, 200);
    assert.match(right.body, /<title>eBPF Studio<\/title>/);
    assert.match(right.body, /<script>/);
  });

  test('the Studio routes refuse a foreign Origin or Host even with the token', async () => {
    const foreign = await rawRequest(port(), { method: 'GET', path: `/studio/platform?token=${studio.service.token}`, headers: { host: host(), origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    const rebound = await rawRequest(port(), { method: 'GET', path: `/studio/platform?token=${studio.service.token}`, headers: { host: `evil.example:${studio.service.httpPort}` } });
    assert.equal(rebound.status, 403);
  });

  test('an uploaded object is inspected without being loaded', async () => {
    const reply = await rawRequest(port(), { path: '/studio/inspect?name=TraceConnections.o', headers: { host: host(), authorization: `Bearer ${studio.service.token}`, 'content-type': 'application/octet-stream' }, body: readFileSync(canonical) });
    assert.equal(reply.status, 200, reply.body);
    const result = reply.json.result as { name: string; programs: { name: string }[]; maps: { name: string }[] };
    assert.equal(result.name, 'TraceConnections.o');
    assert.deepEqual(result.programs.map((p) => p.name), ['TraceConnections']);
    assert.deepEqual(result.maps.map((m) => m.name), ['proc_map']);
    const maps = await rawRequest(port(), { path: '/v1/call', headers: { host: host(), authorization: `Bearer ${studio.service.token}` }, body: JSON.stringify({ call: 'maps.list', params: {} }) });
    assert.deepEqual(maps.json.result, []);
  });

  test('a file that is not an object is refused with the reason and nothing is stored', async () => {
    const reply = await rawRequest(port(), { path: '/studio/load?name=junk.o', headers: { host: host(), authorization: `Bearer ${studio.service.token}` }, body: Buffer.from('not an ELF file') });
    assert.equal(reply.status, 422);
    assert.equal(reply.json.error?.code, 'OPEN_FAILED');
    assert.match(reply.json.error!.message, /junk\.o/);
  });

  test('unknown Studio routes and wrong methods are named in the error', async () => {
    const unknown = await rawRequest(port(), { method: 'GET', path: '/studio/nothing', headers: { host: host(), authorization: `Bearer ${studio.service.token}` } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error!.message, /\/studio\/nothing/);
    const method = await rawRequest(port(), { method: 'POST', path: '/studio/platform', headers: { host: host(), authorization: `Bearer ${studio.service.token}` }, body: '' });
    assert.equal(method.status, 405);
    const noMap = await rawRequest(port(), { method: 'GET', path: '/studio/maps/999/layout', headers: { host: host(), authorization: `Bearer ${studio.service.token}` } });
    assert.equal(noMap.status, 404);
  });

  test('the platform description gives each program type its context fields', async () => {
    const reply = await rawRequest(port(), { method: 'GET', path: '/studio/platform', headers: { host: host(), authorization: `Bearer ${studio.service.token}` } });
    const platform = reply.json.result as { programTypes: { name: string; fields: { name: string }[] }[] };
    const bind = platform.programTypes.find((t) => t.name === 'bind');
    assert.ok(bind?.fields.some((f) => f.name === 'process_id'));
  });

  test('ebpf studio prints the page address with the token', async () => {
    const io = bufferedIo({ env: studio.env });
    assert.equal(await runCli(['studio'], io), 0);
    assert.equal(io.stdout, `eBPF Studio: ${studio.url}\n`);
  });
});

test('ebpf studio without a service says how to start one', async () => {
  const home = tempHome();
  try {
    const io = bufferedIo({ env: { EBPF_HOME: home } });
    assert.equal(await runCli(['studio'], io), 1);
    assert.match(io.stderr, /no eBPF service is running .*ebpf service start/);
    assert.equal(await runCli(['studio', '--bogus'], io), 2);
  } finally {
    removeHome(home);
  }
});

describe('the inspector', () => {
  test('the disassembly carries source lines and clickable targets', () => {
    const program = inspectObject(open(canonical)).programs[0]!;
    assert.equal(program.instructions[0]!.source?.line, 22);
    const jump = program.instructions.find((i) => i.kind === 'jump')!;
    assert.equal(jump.text.includes(`<${jump.target}>`), true);
    assert.ok(program.instructions.some((i) => i.kind === 'helper' && i.text.includes('bpf_map_lookup_elem')));
  });

  test('basic blocks partition the reachable code and link by taken and fall-through edges', () => {
    const program = inspectObject(open(canonical)).programs[0]!;
    const starts = new Set(program.blocks.map((b) => b.start));
    for (const b of program.blocks) {
      assert.ok(b.end > b.start);
      for (const s of b.successors) assert.ok(starts.has(s.pc), `successor ${s.pc} of block ${b.start} is a block`);
      assert.ok(b.sourceLines.length > 0, `block ${b.start} shows its source lines`);
    }
    const conditional = program.blocks.find((b) => b.successors.length === 2)!;
    assert.deepEqual(conditional.successors.map((s) => s.kind), ['taken', 'fallthrough']);
  });

  test('a safe program is verified with the state before each reached instruction', () => {
    const v = inspectObject(open(canonical)).programs[0]!.verification as InspectedVerification;
    assert.equal(v.ok, true);
    assert.deepEqual(v.errors, []);
    if (v.states === null) return; // the analysis of this build records no states: the page says so
    assert.ok(v.states[0]!.some((line) => line.startsWith('r1.type=ctx')));
  });

  test('an unsafe program is rejected at the instruction of its marked source line', () => {
    const program = inspectObject(open(unsafe)).programs[0]!;
    const v = program.verification as InspectedVerification;
    assert.equal(v.ok, false);
    const marked = readFileSync(`${here}programs/unsafe_null.c`, 'utf8').split('\n').findIndex((l) => l.includes('// ERROR')) + 1;
    assert.equal(v.errors[0]!.source?.line, marked);
    assert.match(v.errors[0]!.source!.text, /\*count \+= 1/);
  });

  test('a program that runs off its end still gets blocks, marked as leaving the program', () => {
    const object = open(canonical);
    const program = object.programs[0]!;
    // The first instructions only: control reaches the end without an exit.
    const cut = { ...program, instructions: program.instructions.slice(0, 3), lineInfo: [], functions: [{ name: program.name, startPc: 0 }] };
    const inspected = inspectObject({ ...object, programs: [cut] }).programs[0]!;
    assert.ok(inspected.blocks.some((b) => b.fallsOff));
    assert.ok('failed' in inspected.verification || !inspected.verification.ok);
  });
});

describe('BTF layouts and field-by-field values', () => {
  const layouts = () => {
    const object = open(typed);
    const records = object.maps.find((m) => m.name === 'records')!;
    return { key: layoutOf(object.btf!, records.keyTypeId!)!, value: layoutOf(object.btf!, records.valueTypeId!)! };
  };

  test('a struct value lays out its fields: text, UTF-16LE text, enum, nested struct, array', () => {
    const value = layouts().value as Extract<Layout, { kind: 'struct' }>;
    assert.equal(value.typeName, 'struct record');
    const kinds = Object.fromEntries(value.fields.map((f) => [f.name, f.layout.kind]));
    assert.deepEqual(kinds, { count: 'int', verdict: 'enum', name: 'text', app: 'text', peer: 'struct', ports: 'array' });
    const app = value.fields.find((f) => f.name === 'app')!.layout;
    assert.equal(app.kind === 'text' && app.encoding, 'utf16le');
  });

  test('values typed field by field decode back to what was typed', () => {
    const layout = layouts().value;
    const bytes = new Uint8Array(layout.size);
    const typedIn: Record<string, string> = { count: '41', verdict: 'VERDICT_BLOCK', name: 'node.exe', app: 'Äpp', 'peer.address': '0x0100007f', 'peer.port': '8080', 'ports[2]': '443' };
    for (const leaf of leaves(layout)) if (typedIn[leaf.path] !== undefined) writeLeaf(leaf, bytes, typedIn[leaf.path]!);
    assert.deepEqual(decode(layout, bytes), { count: 41, verdict: 'VERDICT_BLOCK', name: 'node.exe', app: 'Äpp', peer: { address: 16777343, port: 8080 }, ports: [0, 0, 443] });
  });

  test('a value that does not fit its field is refused naming the field', () => {
    const layout = layouts().value;
    const leaf = (path: string) => leaves(layout).find((l) => l.path === path)!;
    const bytes = new Uint8Array(layout.size);
    assert.throws(() => writeLeaf(leaf('peer.port'), bytes, '70000'), /peer\.port: 70000 does not fit in 16 unsigned bits/);
    assert.throws(() => writeLeaf(leaf('count'), bytes, 'many'), /count: 'many' is not an integer/);
    assert.throws(() => writeLeaf(leaf('name'), bytes, 'a name far longer than sixteen bytes'), /name: .* the field holds 15/);
    assert.deepEqual([...bytes], new Array(layout.size).fill(0), 'nothing was written');
  });
});
