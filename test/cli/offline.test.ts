import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileC } from '../../src/build/clang.ts';
import { runCli } from '../../src/cli/main.ts';
import { bufferedIo } from '../../src/cli/io.ts';
import { repoRoot } from '../support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'ebpf-cli-'));
const object = join(work, 'TraceConnections.o');

async function cli(...argv: string[]) {
  const io = bufferedIo({ cwd: work, json: argv.includes('--json') });
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

test('ebpf build compiles the canonical example with our headers', async () => {
  const result = await cli('build', join(repoRoot, 'examples', 'TraceConnections.c'), '-o', object);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `Built ${object}: TraceConnections (bind)\n`);
});

test('show sections prints netsh\'s table to the character', async () => {
  const result = await cli('show', 'sections', object);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    [
      '',
      '                                                                     Size',
      '                       Section                   Program       Type  (bytes)',
      '==============================  ========================  =========  =======',
      '                          bind          TraceConnections       bind      368',
      '',
      '                     Key  Value      Max',
      '          Map Type  Size   Size  Entries  Name',
      '==================  ====  =====  =======  ========',
      '              hash     4     40     1024  proc_map',
      '',
    ].join('\n'),
  );
});

test('naming a section makes show sections verbose, with PREVAIL-style statistics', async () => {
  const result = await cli('sh', 'sec', `filename=${object}`, 'section=bind');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\nSection      : bind\nProgram      : TraceConnections\nProgram Type : bind\nSize         : 368 bytes\nInstructions : 46\narith        : \d+\n/);
  assert.match(result.stdout, /\ncall_1       : 1\ncall_mem     : 2\n/);
});

test('show disassembly interleaves source lines and names helpers with their argument kinds', async () => {
  const result = await cli('show', 'disassembly', object);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.match(lines[0]!, /^; .*TraceConnections\.c:22$/);
  assert.equal(lines[1], '; \tif (ctx->operation == BIND_OPERATION_BIND) {');
  assert.equal(lines[2], '       0:\tr2 = *(u32 *)(r1 + 44)');
  assert.ok(lines.includes('      13:\tr1 = map_fd 1'));
  assert.ok(lines.includes('      15:\tr0 = bpf_map_lookup_elem:1(map_fd r1, map_key r2)'));
  assert.ok(lines.some((l) => l === '      32:\tr0 = bpf_memcpy:22(out r1[r2?], uint64_t r2, mem r3[r4?], uint64_t r4)'));
  assert.ok(!lines.some((l) => l.startsWith('      14:')), 'the second slot of an lddw is not listed');
});

test('--json gives the same facts for scripts', async () => {
  const result = await cli('show', 'sections', object, '--json');
  const parsed = JSON.parse(result.stdout);
  assert.deepEqual(parsed.maps, [{ name: 'proc_map', type: 'hash', keySize: 4, valueSize: 40, maxEntries: 1024 }]);
  assert.equal(parsed.programs[0].type, 'bind');
});

test('bad input gets netsh\'s errors and a non-zero exit code, never a stack trace', async () => {
  const missing = await cli('show', 'sections', 'nope.o');
  assert.deepEqual([missing.code, missing.stderr], [1, 'error: No such file or directory opening nope.o\n']);
  const section = await cli('show', 'disassembly', object, 'section=xdp');
  assert.deepEqual([section.code, section.stderr], [1, 'error: Section not found\n']);
  const garbage = join(work, 'garbage.o');
  writeFileSync(garbage, 'not an object, but long enough to have an ELF header\'s worth of bytes in it.');
  const bad = await cli('show', 'sections', 'garbage.o');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'error: garbage.o: not an ELF file (bad magic number) (offset 0x0)\n');
  const usage = await cli('show', 'sections');
  assert.deepEqual([usage.code, usage.stderr], [2, "error: 'show sections' needs the parameter 'filename'\n"]);
  const level = await cli('show', 'sections', object, 'level=loud');
  assert.equal(level.code, 2);
  const unknown = await cli('frobnicate');
  assert.match(unknown.stderr, /^error: unknown command 'frobnicate'/);
});

test('a C file that does not compile reports clang\'s diagnostics', async () => {
  const source = join(work, 'broken.c');
  writeFileSync(source, '#include <bpf_helpers.h>\nint f( { return 0; }\n');
  const result = await cli('build', source);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: clang-19 failed to compile .*broken\.c:\n.*broken\.c:2:/);
});

test('prog run loads the object (verified), runs the program with live maps, and --maps decodes them through BTF', async () => {
  // The canonical demonstration, typed as a user types it.
  writeFileSync(join(work, 'appid.bin'), Buffer.from('node.exe', 'utf16le'));
  const ctx = Buffer.alloc(56);
  ctx.writeBigUInt64LE(4242n, 16); // process_id; operation (offset 44) 0 is BIND
  writeFileSync(join(work, 'ctx.bin'), ctx);
  const run = (...args: string[]) => promisify(execFile)(join(repoRoot, 'bin', 'ebpf'), ['prog', 'run', 'TraceConnections.o', ...args], { cwd: work });
  const { stdout } = await run('data_in=appid.bin', 'ctx_in=ctx.bin', 'repeat=3', '--maps');
  assert.match(stdout, /^Return value: 0\nDuration \(average of 3 runs\): \d+ ns \(JIT\)\n\nmap proc_map \(hash, id 1\): 1 entry\n  key 4242: \{ id: 4242, name: "node\.exe", count: 3 \}\n$/);
  const json = JSON.parse((await run('data_in=appid.bin', 'ctx_in=ctx.bin', 'repeat=3', 'execution=interpret', '--maps', '--json')).stdout);
  assert.equal(json.returnValue, 0);
  assert.equal(json.program.execution, 'interpret');
  assert.deepEqual(json.maps, [{ name: 'proc_map', type: 'hash', id: 1, entries: [{ key: 4242, value: { id: 4242, name: 'node.exe', count: 3 } }] }]);
});

test('prog run refuses a context of the wrong size, naming the program and the sizes', async () => {
  writeFileSync(join(work, 'short.bin'), Buffer.alloc(12));
  const result = await cli('prog', 'run', object, 'ctx_in=short.bin');
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'error: program 2 (TraceConnections): a bind context is 56 bytes; ctx_in has 12\n');
});

test('a verified program the JIT cannot compile is refused with its pc and reason, never run; execution=interpret runs it', async () => {
  const { objectPath } = await compileC(join(repoRoot, 'test', 'cli', 'programs', 'irreducible.s'), { outPath: join(work, 'irreducible.o'), extraFlags: ['-Wno-unused-command-line-argument'] });
  assert.equal((await cli('show', 'verification', objectPath)).stdout, 'Verification succeeded\nProgram terminates within 10 loop iterations\n');
  const jit = await cli('prog', 'run', objectPath);
  assert.equal(jit.code, 1);
  assert.equal(jit.stdout, '');
  assert.equal(jit.stderr, 'error: irreducible.o: Irreducible (section bind) could not be compiled: pc 3: the jump to 4 enters a loop other than through its head (irreducible control flow)\n');
  const interpreted = await cli('prog', 'run', objectPath, 'execution=interpret');
  assert.equal(interpreted.code, 0, interpreted.stderr);
  assert.match(interpreted.stdout, /^Return value: 0\nDuration: \d+ ns \(INTERPRET\)\n$/);
});

test('prog run checks its arguments before anything else', async () => {
  assert.equal((await cli('prog', 'run', object, 'repeat=0')).stderr, "error: prog run: repeat must be 1-1000000, not '0'\n");
  assert.equal((await cli('prog', 'run', object, 'data_in=missing.bin')).stderr, 'error: No such file or directory opening missing.bin\n');
  assert.match((await cli('prog', 'run', object, 'colour=red')).stderr, /unknown parameter 'colour'/);
  assert.match((await cli('prog', 'run', object, 'execution=native')).stderr, /execution takes jit or interpret, not 'native'/);
  assert.match((await cli('prog', 'run', object, '--engine', 'fast')).stderr, /--engine takes interpreter or jit/);
  assert.equal((await cli('prog', 'run', object, 'xdp')).stderr, 'error: Section not found\n');
});

test('bin/ebpf runs from a clone', async () => {
  const { stdout } = await promisify(execFile)(join(repoRoot, 'bin', 'ebpf'), ['show', 'sections', object]);
  assert.match(stdout, /TraceConnections +bind +368/);
});
