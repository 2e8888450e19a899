// The verification report: netsh's `show verification` text at each level, the failure slice, and the
// statistics the Studio reads, on programs compiled from C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assembleVerifierSyntax } from '../../src/asm/index.ts';
import { openObjectFile, type ObjectSpec } from '../../src/object/index.ts';
import { stackBytesUsed, verifyProgram, type ProgramVerification } from '../../src/verifier/index.ts';
import { formatVerificationReport, verificationSummary } from '../../src/verifier/report.ts';
import { failureSlice } from '../../src/verifier/slice.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

const open = async (path: string) => openObjectFile(await compileTestProgram(path));
const canonical = open(join(repoRoot, 'examples', 'TraceConnections.c'));
const nullCheck = open(join(repoRoot, 'test', 'verifier', 'unsafe', 'null_check.c'));

const first = (object: ObjectSpec, options = {}) => ({ program: object.programs[0]!, result: verifyProgram(object, object.programs[0]!, options) });

test('an accepted program reports success and its loop bound, as netsh prints them', async () => {
  const { program, result } = first(await canonical);
  assert.equal(formatVerificationReport(result, program), `Verification succeeded\nProgram terminates within ${result.statistics.loopBound} loop iterations\n`);
  assert.equal(result.statistics.loopBound, 0, 'the canonical example has no loop');
});

test('a rejected program reports the source line, its text, pc: message and the error count', async () => {
  const { program, result } = first(await nullCheck);
  const error = result.errors[0]!;
  assert.equal(error.line?.line, 16);
  assert.equal(
    formatVerificationReport(result, program),
    'Verification failed\n\nVerification report:\n\n' +
      `; ${error.line!.file}:16\n;     *count += 1; // ERROR: may be null\n\n` +
      `${error.pc}: ${error.message}\n\n1 errors\n\n`,
  );
  assert.match(error.line!.file, /null_check\.c$/);
});

test('informational adds the failure slice: the instructions the failing one used, back to the map lookup', async () => {
  const { program, result } = first(await nullCheck);
  const text = formatVerificationReport(result, program, { level: 'informational' });
  const slice = text.slice(text.indexOf('Failure slice'));
  assert.match(slice, /^Failure slice of 7 /);
  assert.match(slice, /\n {7}6:\tr0 = bpf_map_lookup_elem:1\(map_fd r1, map_key r2\)\n/);
  assert.match(slice, /\n {7}4:\tr1 = map_fd 1\n/);
  assert.match(slice, /\n {7}7:\tr1 = \*\(u64 \*\)\(r0 \+ 0\)\n/);
  assert.match(slice, /null_check\.c:15\n;     uint64_t\* count = bpf_map_lookup_elem/);
  assert.ok(text.endsWith('\n1 errors\n\n'));
});

test('verbose lists every instruction with its source, the error under the failing one, then the report', async () => {
  const { program, result } = first(await nullCheck, { recordStates: true });
  const text = formatVerificationReport(result, program, { level: 'verbose' });
  for (const pc of [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]) assert.match(text, new RegExp(`\\n {${8 - String(pc).length}}${pc}:\\t`), `pc ${pc}`);
  assert.match(text, /\n {7}7:\tr1 = \*\(u64 \*\)\(r0 \+ 0\)\n {2}error: [^\n]*may be null/);
  assert.ok(text.endsWith(`\n7: ${result.errors[0]!.message}\n\n1 errors\n\n`));
});

test('verbose prints the state recorded before each instruction, and marks the unreachable ones', async () => {
  const { program, result } = first(await canonical);
  const states = program.instructions.map((_, pc) => (pc === 1 ? undefined : [`r1.type=ctx`, `pc=${pc}`]));
  const withStates: ProgramVerification = { ...result, analysis: { ...result.analysis, states } };
  const text = formatVerificationReport(withStates, program, { level: 'verbose' });
  assert.match(text, /Pre-invariant : \[\n {4}r1\.type=ctx,\n {4}pc=0\]\n {7}0:\tr2 = \*\(u32 \*\)\(r1 \+ 44\)\n/);
  assert.match(text, /Pre-invariant : _\|_ \(unreachable\)\n {7}1:\t/);
  assert.ok(text.endsWith('Verification succeeded\nProgram terminates within 0 loop iterations\n'));
});

test('the states the analysis records are the ones verbose prints', async (t) => {
  const { program, result } = first(await canonical, { recordStates: true });
  if (!result.analysis.states) {
    t.todo('the analysis does not record states yet (recordStates is the verifier core\'s)');
    return;
  }
  const text = formatVerificationReport(result, program, { level: 'verbose' });
  const reachable = result.analysis.states.filter((s) => s !== undefined).length;
  assert.equal((text.match(/Pre-invariant : \[/g) ?? []).length, reachable);
});

test('statistics: instructions, stack bytes, explored instructions and time, also in the JSON summary', async () => {
  const { result } = first(await canonical);
  assert.equal(result.statistics.instructions, 44, '46 slots, two of them lddw second halves');
  assert.equal(result.statistics.stackBytes, 48, 'process_info (40 bytes) and the pid, down to r10-48');
  assert.ok(result.statistics.instructionsExplored >= 44);
  assert.ok(result.statistics.milliseconds >= 0);
  const summary = verificationSummary(result);
  assert.deepEqual([summary.verdict, summary.type, summary.program, summary.section], ['accepted', 'bind', 'TraceConnections', 'bind']);
  const rejected = verificationSummary(first(await nullCheck).result);
  assert.equal(rejected.verdict, 'rejected');
  assert.equal(rejected.errors[0]!.line, 16);
  assert.equal(rejected.errors[0]!.source, '    *count += 1; // ERROR: may be null');
});

test('stack bytes follow frame pointers through moves and constant adds, and stop at redefinitions', () => {
  assert.equal(stackBytesUsed(assembleVerifierSyntax('r0 = 0\nexit')), 0);
  assert.equal(stackBytesUsed(assembleVerifierSyntax('r1 = 0\n*(u64 *)(r10 - 16) = r1\nr0 = 0\nexit')), 16);
  assert.equal(stackBytesUsed(assembleVerifierSyntax('r2 = r10\nr2 += -64\nr3 = r2\n*(u32 *)(r3 - 8) = 1\nr0 = 0\nexit')), 72);
  assert.equal(stackBytesUsed(assembleVerifierSyntax('r2 = r10\nr2 = 5\n*(u32 *)(r2 - 100) = 1\nr0 = 0\nexit')), 0);
});

test('the failure slice follows registers and stack slots, and keeps the tests on the way', () => {
  const insns = assembleVerifierSyntax([
    'r6 = r1', //                       0
    'r7 = 4', //                        1 (unrelated)
    '*(u64 *)(r10 - 8) = r6', //        2
    'r8 = *(u64 *)(r10 - 8)', //        3
    'if r8 == 0 goto <out>', //         4
    'r0 = *(u32 *)(r8 + 4)', //         5: the failing instruction
    '<out>:',
    'r0 = r7', //                       6
    'exit', //                          7
  ].join('\n'));
  assert.deepEqual(failureSlice(insns, 5), [0, 2, 3, 4, 5]);
  assert.deepEqual(failureSlice(insns, 7), [1, 6, 7]);
});
