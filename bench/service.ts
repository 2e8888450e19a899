// The service under load: 8 concurrent socket clients (each one request at a time), the service in its own
// process as users run it. `npm run bench:service` alone, and part of `npm run bench`.
// 1. The canonical example (the measure): test runs of TraceConnections, one run per request, for
//    60 s (SERVICE_BENCH_SECONDS to change) in a service started with `ebpf service start`, then a check
//    that proc_map's count equals the number of successful runs.
// 2. The doors alone, for comparison: map updates against a service whose maps are kept in memory (the
//    API's own cost), for at most 10 s.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { socketApi } from '../src/client/index.ts';
import { compileTestProgram } from '../test/support/compile.ts';
import { repoRoot } from '../test/support/paths.ts';
import { driveService, percentile, type LoadResult } from '../test/service/support/load.ts';
import { removeHome, tempHome } from '../test/service/support/service.ts';

const seconds = Number(process.env.SERVICE_BENCH_SECONDS ?? 60);
const doorSeconds = Math.min(seconds, 10);
const clients = 8;
const u32 = (n: number) => Buffer.from(new Uint32Array([n]).buffer).toString('hex');

function report(name: string, r: LoadResult): void {
  console.log(
    `service ${name}: ${clients} clients x ${r.seconds.toFixed(1)} s: ${r.ok} ok, ${r.failed} failed, ${Math.round(r.ok / r.seconds)} req/s, ` +
      `p50 ${percentile(r.latenciesUs, 50).toFixed(0)} us, p99 ${percentile(r.latenciesUs, 99).toFixed(0)} us`,
  );
}

async function doors(): Promise<void> {
  const home = tempHome();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../test/service/support/child-service.ts', import.meta.url)), home], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const api = socketApi({ EBPF_HOME: home });
    // Each client counts its successful updates in its own key: the map must end with exactly those counts.
    const map = await api.call('maps.create', { type: 'array', keySize: 4, valueSize: 4, maxEntries: clients, name: 'load', pinPath: 'load' });
    const done = new Array<number>(clients).fill(0);
    const r = await driveService(home, clients, doorSeconds, async (c, client) => {
      await c.call('maps.update', { id: map.id, key: u32(client), value: u32(done[client]! + 1) });
      done[client]!++;
    });
    const count = (await api.call('maps.entries', { id: map.id })).reduce((sum, e) => sum + Buffer.from(e.value, 'hex').readUInt32LE(0), 0);
    await api.close();
    report('map updates (doors only)', r);
    console.log(`  map counts ${count} = successful updates ${r.ok}: ${count === r.ok ? 'nothing lost' : 'MISMATCH'}`);
    if (count !== r.ok) process.exitCode = 1;
  } finally {
    // The service writes its last snapshot as it stops: remove its directory once it has exited.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    removeHome(home);
  }
}

async function testRuns(): Promise<void> {
  const home = tempHome();
  const env = { ...process.env, EBPF_HOME: home };
  const ebpf = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'ebpf'), ...args], { env, encoding: 'utf8' });
  const started = ebpf('service', 'start');
  if (started.status !== 0) {
    let log = '';
    try {
      log = readFileSync(join(home, 'service.log'), 'utf8').trim();
    } catch {
      // no log: the start failed before the service ran
    }
    console.log(`service test runs of TraceConnections: not measured: ${log || started.stderr.trim()}`);
    removeHome(home);
    return;
  }
  try {
    const object = await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c'));
    const api = socketApi({ EBPF_HOME: home });
    let loaded;
    try {
      loaded = await api.call('programs.load', { path: object, fileName: 'TraceConnections.o' });
    } catch (error) {
      console.log(`service test runs of TraceConnections: not measured: ${(error as Error).message}`);
      await api.close();
      return;
    }
    const id = loaded.programIds[0]!;
    // bind_md_t: process_id 4242 at offset 16, operation BIND (0); the app id pointers come from the data.
    const ctx = Buffer.alloc(56);
    ctx.writeUInt32LE(4242, 16);
    const data = Buffer.from('node.exe', 'utf16le').toString('hex');
    const r = await driveService(home, clients, seconds, (c) => c.call('programs.testRun', { id, dataIn: data, contextIn: ctx.toString('hex') }));
    const entry = await api.call('maps.lookup', { id: loaded.mapIds[0]!, key: u32(4242) });
    await api.close();
    report('test runs of TraceConnections', r);
    const count = entry ? Buffer.from(entry.value, 'hex').readUInt32LE(36) : 0;
    console.log(`  proc_map count ${count} = successful runs ${r.ok}: ${count === r.ok ? 'nothing lost' : 'MISMATCH'}`);
    if (count !== r.ok) process.exitCode = 1;
  } finally {
    ebpf('service', 'stop');
    removeHome(home);
  }
}

/** Runs the service benchmarks. */
export async function benchService(): Promise<void> {
  await testRuns();
  await doors();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchService();
