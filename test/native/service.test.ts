// The seed's native path, typed as a user types it: `ebpf build --native`, a service started with
// --testsigning, `add program TraceConnections.wasm`, `show programs` listing it NATIVE, and test runs
// whose proc_map equals the JIT-loaded object's; then each refusal through the service, nothing loaded.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { readWasmSections } from '../../src/native/format.ts';
import { repoRoot } from '../support/paths.ts';

const run = promisify(execFile);

describe('native modules through the service', () => {
  const work = mkdtempSync(join(tmpdir(), 'ebpf-native-service-'));
  const home = join(work, 'home');
  const ebpf = async (line: string): Promise<{ code: number; out: string; err: string }> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'ebpf'), ...line.split(' ')], { env: { ...process.env, EBPF_HOME: home }, cwd: work });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout, err: e.stderr };
    }
  };
  after(async () => {
    await ebpf('service stop');
    const pidFile = join(home, 'service.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // already stopped
      }
    }
  });

  const context = new Uint8Array(56);
  new DataView(context.buffer).setBigUint64(16, 4242n, true); // process_id; operation 0 = bind
  writeFileSync(join(work, 'ctx.bin'), context);
  writeFileSync(join(work, 'app.bin'), Buffer.from('node.exe', 'utf16le'));

  async function proofRun(programId: number): Promise<string> {
    const result = await ebpf(`prog run id ${programId} data_in app.bin ctx_in ctx.bin repeat 3`);
    assert.equal(result.code, 0, result.err);
    const programs = JSON.parse((await ebpf('show programs --json')).out) as { id: number; mapIds: number[] }[];
    const mapId = programs.find((p) => p.id === programId)!.mapIds[0]!;
    const dump = await ebpf(`map dump id ${mapId}`);
    assert.equal(dump.code, 0, dump.err);
    return dump.out;
  }

  test('build --native, service start --testsigning, add program: Loaded, NATIVE in show programs, proc_map as with the JIT', async () => {
    const built = await ebpf(`build ${join(repoRoot, 'examples', 'TraceConnections.c')} -o TraceConnections.o --native`);
    assert.equal(built.code, 0, built.err);
    assert.match((await ebpf('service start --testsigning')).out, /^eBPF service started \(pid \d+, test signing\)\n$/);
    const loaded = await ebpf('add program TraceConnections.wasm');
    assert.match(loaded.out, /^Loaded with ID (\d+)\n$/, loaded.err);
    const nativeId = Number(/(\d+)/.exec(loaded.out)![1]);
    const listing = (await ebpf('show programs')).out;
    assert.ok(listing.includes(`${String(nativeId).padStart(6)}     1      1  NATIVE     bind           TraceConnections\n`), listing);
    assert.match((await ebpf(`show programs id=${nativeId}`)).out, /File name      : TraceConnections\.wasm\n[\s\S]*Mode           : NATIVE\n/);

    const jitLoaded = await ebpf('add program TraceConnections.o pinned=none');
    const jitId = Number(/Loaded with ID (\d+)/.exec(jitLoaded.out)?.[1]);
    assert.ok(jitId > 0, jitLoaded.err);
    assert.ok((await ebpf('show programs')).out.includes(`${String(jitId).padStart(6)}     0      1  JIT        bind           TraceConnections\n`));

    // proc_map's BTF types the dump: pid 4242, node.exe, 3 binds.
    const nativeDump = await proofRun(nativeId);
    assert.deepEqual(JSON.parse(nativeDump.slice(0, nativeDump.lastIndexOf(']') + 1)), [{ key: 4242, value: { id: 4242, name: 'node.exe', count: 3 } }]);
    assert.equal(nativeDump, await proofRun(jitId));
  });

  test('refusals through the service: unsigned, changed, truncated, random; nothing is loaded', async () => {
    const before = { programs: (await ebpf('show programs')).out, maps: (await ebpf('show maps')).out };
    const module = readFileSync(join(work, 'TraceConnections.wasm'));
    // The signature section is the last; cutting it off leaves an unsigned module.
    const signatureAt = readWasmSections(module).at(-1)!.start;
    const cases: [string, Uint8Array, RegExp][] = [
      ['unsigned.wasm', module.subarray(0, signatureAt), /the native module is not signed/],
      ['changed.wasm', Buffer.concat([module.subarray(0, 300), Buffer.from([module[300]! ^ 0x10]), module.subarray(301)]), /changed after signing|not valid|malformed|must be/],
      ['truncated.wasm', module.subarray(0, module.length - 100), /truncated/],
      ['random.wasm', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) & 0xff)), /not a native module/],
    ];
    for (const [name, bytes, reason] of cases) {
      writeFileSync(join(work, name), bytes);
      const result = await ebpf(`add program ${name}`);
      assert.notEqual(result.code, 0, name);
      assert.match(result.err, /^error 22: could not load program\n/, `${name}: ${result.err}`);
      assert.match(result.err, reason, `${name}: ${result.err}`);
    }
    assert.deepEqual({ programs: (await ebpf('show programs')).out, maps: (await ebpf('show maps')).out }, before);
  });

  test('outside test-signing mode only trusted keys load; trust add applies without a restart', async () => {
    assert.equal((await ebpf('service stop')).code, 0);
    assert.match((await ebpf('service start')).out, /^eBPF service started \(pid \d+\)\n$/);
    const refused = await ebpf('add program TraceConnections.wasm');
    assert.match(refused.err, /^error 22: could not load program\n.*signed by key [0-9a-f]{16}, which is not trusted/s);
    assert.doesNotMatch((await ebpf('show programs')).out, /NATIVE/);
    assert.match((await ebpf('trust add')).out, /^Trusted key [0-9a-f]{64} \(this machine\)\n$/);
    assert.match((await ebpf('add program TraceConnections.wasm pinned=none')).out, /^Loaded with ID \d+\n$/);
    assert.match((await ebpf('show programs')).out, /NATIVE     bind           TraceConnections\n/);
  });
});
