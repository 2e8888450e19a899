import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ApiError, socketApi } from '../../src/client/index.ts';
import { Runtime } from '../../src/runtime/runtime.ts';
import { createRuntimeBackend } from '../../src/service/runtime-backend.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { removeHome, startTestService, tempHome } from './support/service.ts';
import { canonicalPinPath, comparePinPaths, PinPathError } from '../../src/runtime/pin-path.ts';

// Every example of spec §6.4 (eBPF for Windows' end_to_end tests), plus the rules they illustrate.
const canonical: [string, string][] = [
  ['/sys/fs/bpf/my/pin/path', 'BPF:\\sys\\fs\\bpf\\my\\pin\\path'],
  ['my/pin/path', 'BPF:\\my\\pin\\path'],
  ['my/pin/oops/../path', 'BPF:\\my\\pin\\path'],
  ['my\\pin\\path\\oops\\..', 'BPF:\\my\\pin\\path'],
  ['/ebpf/global/my/pin/path', 'BPF:\\my\\pin\\path'],
  ['BPF:/./my/pin/path', 'BPF:\\my\\pin\\path'],
  ['', 'BPF:\\'],
  ['bpf:\\x', 'BPF:\\x'],
  ['\\EBPF\\Global\\x', 'BPF:\\x'],
  ['a\\\\b', 'BPF:\\a\\b'],
  ['BPF:\\mypinpath', 'BPF:\\mypinpath'],
  ['DropPacket', 'BPF:\\DropPacket'],
  ['Case/Sensitive', 'BPF:\\Case\\Sensitive'],
];
const invalid = ['..', '/..', '/mypinpath/../..', 'C:\\', 'BPF:\\a:b', 'x'.repeat(300)];

describe('canonical pin paths (spec §6.4)', () => {
  for (const [input, expected] of canonical) {
    test(`'${input}' canonicalizes to '${expected}'`, () => {
      assert.equal(canonicalPinPath(input), expected);
    });
  }
  for (const input of invalid) {
    test(`'${input.length > 20 ? `${input.slice(0, 10)}... (${input.length} chars)` : input}' is an invalid pin path`, () => {
      assert.throws(() => canonicalPinPath(input), (e: unknown) => e instanceof PinPathError && e.code === 'INVALID_PIN_PATH');
    });
  }
  test('pin paths sort by code point (uppercase before lowercase)', () => {
    assert.deepEqual(['BPF:\\b', 'BPF:\\B', 'BPF:\\a_0', 'BPF:\\a'].sort(comparePinPaths), ['BPF:\\B', 'BPF:\\a', 'BPF:\\a_0', 'BPF:\\b']);
  });
});

// LIBBPF_PIN_BY_NAME maps (spec §6.4): `add program` pins them at /ebpf/global/<map_name> = BPF:\<map_name>,
// and a later load reuses the map pinned there.
describe('maps pinned by name through the service', () => {
  test('pinned at BPF:\\<name> on the first load, reused by the next, refused when a program holds the path', async () => {
    const home = tempHome();
    const service = await startTestService(home, await createRuntimeBackend(new Runtime({ cpuCount: 1 })));
    const api = socketApi({ EBPF_HOME: home });
    try {
      const object = await compileTestProgram(join(repoRoot, 'test', 'runtime', 'programs', 'map_pinned.c'));
      const first = await api.call('programs.load', { path: object, pinned: 'none' });
      assert.deepEqual(await api.call('pins.get', { path: '/ebpf/global/shared_counter' }), { path: 'BPF:\\shared_counter', kind: 'map', id: first.mapIds[0]! });
      const second = await api.call('programs.load', { path: object, pinned: 'none' });
      assert.deepEqual(second.mapIds, first.mapIds, 'one map for both loads');
      const ctx = '00'.repeat(32);
      assert.equal((await api.call('programs.testRun', { id: first.programIds[0]!, contextIn: ctx })).returnValue, '1');
      assert.equal((await api.call('programs.testRun', { id: second.programIds[0]!, contextIn: ctx })).returnValue, '2');
      // The pin holds the map after both programs are gone, with what they counted.
      await api.call('programs.delete', { id: first.programIds[0]! });
      await api.call('programs.delete', { id: second.programIds[0]! });
      assert.equal((await api.call('maps.lookup', { id: first.mapIds[0]!, key: '00000000' }))?.value, '0200000000000000');

      // A program pinned at the map's path: the load fails as libbpf's pin would, and leaves nothing.
      await api.call('pins.unpin', { path: 'shared_counter' });
      const trace = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
      const other = await api.call('programs.load', { path: trace, pinned: 'first', pinPath: 'shared_counter' });
      const before = JSON.stringify([await api.call('programs.list', {}), await api.call('maps.list', {}), await api.call('pins.list', {}), await api.call('links.list', {})]);
      await assert.rejects(api.call('programs.load', { path: object, pinned: 'none' }), (e: unknown) => e instanceof ApiError && e.code === 'PIN_FAILED' && /shared_counter: a program is pinned there/.test(e.message));
      assert.equal(JSON.stringify([await api.call('programs.list', {}), await api.call('maps.list', {}), await api.call('pins.list', {}), await api.call('links.list', {})]), before);
      assert.deepEqual((await api.call('pins.list', {})).map((p) => [p.path, p.kind, p.id]), [['BPF:\\shared_counter', 'program', other.programIds[0]!]]);
    } finally {
      await api.close();
      await service.stop();
      removeHome(home);
    }
  });
});
