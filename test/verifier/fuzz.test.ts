// The short fuzz of `npm test` (the long one is `npm run fuzz:verifier`): generated programs and mutations
// of compiled ones, with a fixed seed. Every accepted program runs in checked mode without a fault, and the
// verifier never crashes on any input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assemble, assembleVerifierSyntax } from '../../src/asm/index.ts';
import { verifyProgram } from '../../src/verifier/index.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
import { fuzzVerifier, runChecked, type FuzzReport } from '../../scripts/fuzz-verifier.ts';
import { repoRoot } from '../support/paths.ts';

let run: Promise<FuzzReport> | undefined;
const report = () =>
  (run ??= fuzzVerifier({
    seed: 0x5eed,
    programs: 300,
    sources: [
      join(repoRoot, 'examples', 'TraceConnections.c'),
      join(repoRoot, 'examples', 'DropUdpPort.c'),
      join(repoRoot, 'test', 'verifier', 'unsafe', 'packet_checked.c'),
      join(repoRoot, 'test', 'verifier', 'unsafe', 'null_check.c'),
    ],
  }));

test('the short fuzz tries generated and mutated programs, and accepts some of each', async () => {
  const { programs, bySource, accepted, ranClean, notRun } = await report();
  assert.equal(programs, 300);
  assert.ok(bySource.generated!.accepted > 10 && bySource.mutated!.accepted > 10, JSON.stringify(bySource));
  assert.ok(bySource.generated!.accepted < bySource.generated!.programs, 'the generator also makes unsafe programs');
  assert.equal(ranClean + notRun + (await report()).findings.filter((f) => f.problem.startsWith('accepted')).length, accepted);
});

test('no program the verifier accepts faults in checked execution', async () => {
  const faults = (await report()).findings.filter((f) => f.problem.startsWith('accepted'));
  assert.deepEqual(faults.map((f) => `${f.origin}: ${f.problem}`), []);
});

test('the verifier never crashes, whatever the program', async () => {
  const crashes = (await report()).findings.filter((f) => f.problem.startsWith('the verifier crashed'));
  assert.deepEqual(crashes.map((f) => `${f.origin}: ${f.problem.split('\n')[0]}`), []);
});

test('the checked run is a real oracle: it catches the over-reads the verifier refuses', () => {
  const xdp = windowsPlatform.programTypeByName('xdp')!;
  const maps = [{ name: 'values', type: 2, keySize: 4, valueSize: 36, maxEntries: 4, flags: 0, pinning: 0, source: '.maps' as const, section: '.maps' }];
  const run = (source: string) => runChecked({ instructions: assembleVerifierSyntax(source), maps, type: xdp, origin: 'test' }, seededRandom(1));
  const lookup = 'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd 1\ncall 1\nif r0 == 0 goto <out>\n';
  assert.deepEqual(run(`${lookup}r1 = *(u32 *)(r0 + 32)\n<out>:\nr0 = 1\nexit`), {});
  assert.match(run(`${lookup}r1 = *(u32 *)(r0 + 36)\n<out>:\nr0 = 1\nexit`).fault!, /pc 8: read of 4 bytes .* outside every object/);
  assert.match(run('r1 = *(u64 *)(r10 - 520)\nr0 = 1\nexit').fault!, /pc 0: read of 8 bytes .* outside every object/);
  assert.match(run('r2 = *(u64 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 200)\nexit').fault!, /pc 1: read of 1 bytes .* outside every object/);
});

test('a program whose last instruction falls through is rejected, not crashed on (found by fuzz:verifier, seed 1)', () => {
  const bind = windowsPlatform.programTypeByName('bind')!;
  const instructions = assemble('ldxb %r1, [%r1+48]\nmov %r0, 1\njeq %r1, 17, +1\nexit\nmov %r0, 0');
  const program = { name: 'falls', section: 'bind', sectionIndex: 0, sectionSize: 40, programType: bind.id, attachType: 0, offset: 0, size: 40, instructions, lineInfo: [], functions: [], mapReferences: [], externCalls: [] };
  const result = verifyProgram({ name: 'falls', programs: [program], maps: [], license: 'MIT', platformMarker: false, sections: [] }, program);
  assert.equal(result.ok, false);
  assert.equal(result.errors[0]!.pc, 4);
  assert.match(result.errors[0]!.message, /falls through past the end of the program/);
});
