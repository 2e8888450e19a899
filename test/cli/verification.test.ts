// `ebpf show verification`: netsh's report on stdout (accepted) or stderr (rejected) with the exit code
// to match, every level, `type=` overriding the program type, --json, and clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { bufferedIo } from '../../src/cli/io.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'ebpf-verification-'));
const place = async (source: string, name: string) => {
  copyFileSync(await compileTestProgram(source), join(work, name));
  return name;
};
const objects = Promise.all([
  place(join(repoRoot, 'examples', 'TraceConnections.c'), 'trace.o'),
  place(join(repoRoot, 'test', 'verifier', 'unsafe', 'null_check.c'), 'null_check.o'),
  place(join(repoRoot, 'test', 'verifier', 'unsafe', 'division_by_register.c'), 'division.o'),
  place(join(repoRoot, 'examples', 'BindDispatch.c'), 'dispatch.o'),
]);

async function cli(...argv: string[]) {
  await objects;
  const io = bufferedIo({ cwd: work, json: argv.includes('--json') });
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

test('an accepted program prints netsh\'s success lines on stdout and exits 0', async () => {
  const result = await cli('show', 'verification', 'trace.o');
  assert.deepEqual(result, { code: 0, stdout: 'Verification succeeded\nProgram terminates within 0 loop iterations\n', stderr: '' });
});

test('a rejected program prints the report on stderr, with the source line, and exits 1', async () => {
  const result = await cli('show', 'verification', 'null_check.o');
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(
    result.stderr,
    /^Verification failed\n\nVerification report:\n\n; .*null_check\.c:16\n;     \*count \+= 1; \/\/ ERROR: may be null\n\n7: [^\n]*may be null[^\n]*\n\n1 errors\n\n$/,
  );
});

test('parameters are positional or tag=value, and the command and tags abbreviate', async () => {
  const expected = await cli('show', 'verification', 'null_check.o');
  assert.deepEqual(await cli('sh', 'ver', 'null_check.o', 'bind', 'NullCheck', 'bind', 'normal'), expected);
  assert.deepEqual(await cli('show', 'verification', 'filename=null_check.o', 'sec=bind', 'program=NullCheck', 'lev=normal'), expected);
});

test('type= verifies as another program type: the canonical example\'s context reads fail as XDP', async () => {
  assert.equal((await cli('show', 'verification', 'trace.o')).code, 0);
  const asXdp = await cli('show', 'verification', 'trace.o', 'type=xdp');
  assert.equal(asXdp.code, 1);
  assert.match(asXdp.stderr, /\n; \tif \(ctx->operation == BIND_OPERATION_BIND\) \{\n\n0: [^\n]*context offset 44[^\n]* outside its 32 bytes[^\n]*\n/);
  assert.equal((await cli('show', 'verification', 'division.o', 'type=bind')).code, 0, 'type names');
  assert.equal((await cli('show', 'verification', 'trace.o', 'type=cgroup/connect4')).code, 1, 'section names select types too');
});

test('level=informational adds the failure slice, level=verbose lists every instruction', async () => {
  const informational = await cli('show', 'verification', 'null_check.o', 'level=informational');
  assert.equal(informational.code, 1);
  assert.match(informational.stderr, /\nFailure slice of 7 [^\n]*\n(.*\n)* {7}6:\tr0 = bpf_map_lookup_elem:1\(map_fd r1, map_key r2\)\n/);
  const verbose = await cli('show', 'verification', 'trace.o', 'level=verbose');
  assert.equal(verbose.code, 0);
  assert.match(verbose.stdout, /\n {7}0:\tr2 = \*\(u32 \*\)\(r1 \+ 44\)\n/);
  assert.match(verbose.stdout, /\n {6}45:\texit\n\nVerification succeeded\nProgram terminates within 0 loop iterations\n$/);
});

test('a file with several programs gets one report per program, each named', async () => {
  const result = await cli('show', 'verification', 'dispatch.o');
  assert.equal(result.code, 0, result.stderr);
  const headings = result.stdout.split('\n').filter((l) => l.startsWith('Program ') && !l.startsWith('Program terminates'));
  assert.deepEqual(headings, ['Program OnBind (section bind/0)', 'Program OnUnbind (section bind/2)', 'Program BindDispatch (section bind)']);
  const one = await cli('show', 'verification', 'dispatch.o', 'bind/2');
  assert.equal(one.stdout, 'Verification succeeded\nProgram terminates within 0 loop iterations\n');
});

test('--json gives the verdict, the errors with their lines and the statistics', async () => {
  const rejected = await cli('show', 'verification', 'null_check.o', '--json');
  assert.equal(rejected.code, 1);
  const [program] = JSON.parse(rejected.stdout);
  assert.equal(program.verdict, 'rejected');
  assert.equal(program.program, 'NullCheck');
  assert.equal(program.type, 'bind');
  assert.deepEqual({ ...program.errors[0], message: undefined, file: undefined }, { pc: 7, line: 16, column: 12, source: '    *count += 1; // ERROR: may be null', message: undefined, file: undefined });
  assert.equal(program.statistics.instructions, 11);
  assert.equal(program.statistics.stackBytes, 8);
  const accepted = JSON.parse((await cli('show', 'verification', 'trace.o', '--json')).stdout);
  assert.deepEqual([accepted[0].verdict, accepted[0].errors, accepted[0].statistics.loopBound], ['accepted', [], 0]);
});

test('bad arguments get clear errors and a non-zero exit code', async () => {
  assert.deepEqual(await cli('show', 'verification', 'nope.o'), { code: 1, stdout: '', stderr: 'error: No such file or directory opening nope.o\n' });
  assert.deepEqual(await cli('show', 'verification', 'trace.o', 'xdp'), { code: 1, stdout: '', stderr: 'error: Section not found\n' });
  assert.deepEqual(await cli('show', 'verification', 'trace.o', 'bind', 'Nope'), { code: 1, stdout: '', stderr: 'error: No such program Nope\n' });
  const type = await cli('show', 'verification', 'trace.o', 'type=teapot');
  assert.equal(type.code, 2);
  assert.match(type.stderr, /^error: parameter 'type' of 'show verification': unknown program type 'teapot' \(program types: xdp, bind, /);
  const level = await cli('show', 'verification', 'trace.o', 'level=loud');
  assert.deepEqual([level.code, level.stderr], [2, "error: parameter 'level' of 'show verification' must be one of normal|informational|verbose, not 'loud'\n"]);
  const missing = await cli('show', 'verification');
  assert.deepEqual([missing.code, missing.stderr], [2, "error: 'show verification' needs the parameter 'filename'\n"]);
  writeFileSync(join(work, 'garbage.o'), 'not an object, but long enough to have an ELF header\'s worth of bytes in it.');
  const garbage = await cli('show', 'verification', 'garbage.o');
  assert.deepEqual([garbage.code, garbage.stderr], [1, 'error: garbage.o: not an ELF file (bad magic number) (offset 0x0)\n']);
  const extra = await cli('show', 'verification', 'trace.o', 'bind', 'TraceConnections', 'bind', 'normal', 'windows', 'more');
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /too many arguments/);
});
