import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { bufferedIo } from '../../src/cli/io.ts';
import { complete, runShell, type ShellCommands } from '../../src/cli/shell.ts';
import { removeHome, tempHome } from '../service/support/service.ts';

const commands: ShellCommands = {
  netsh: [
    { verb: 'show', noun: 'programs', params: [{ tag: 'type' }, { tag: 'level' }] },
    { verb: 'show', noun: 'pins', params: [] },
    { verb: 'set', noun: 'program', params: [{ tag: 'id' }] },
  ],
  tools: [{ name: 'service' }],
};

describe('the ebpf> shell', () => {
  const cases: [string, string[]][] = [
    ['s', ['service', 'set', 'show']],
    ['show p', ['pins', 'programs']],
    ['show programs l', ['level=']],
    ['show programs ', ['level=', 'type=']],
    ['', ['exit', 'help', 'service', 'set', 'show']],
  ];
  for (const [line, expected] of cases) {
    test(`completes '${line}' to ${expected.join(', ')}`, () => {
      assert.deepEqual(complete(line, commands)[0], expected);
    });
  }

  test('runs each line as a command, keeps the history in $EBPF_HOME and stops at exit', async () => {
    const home = tempHome();
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      const seen: string[][] = [];
      const io = bufferedIo({ env: { EBPF_HOME: home } });
      const done = runShell({ input, output, terminal: false }, io, async (argv) => (seen.push([...argv]), 0), commands);
      input.end('show pins\n\nebpf show programs level=verbose\nexit\nshow never\n');
      assert.equal(await done, 0);
      assert.deepEqual(seen, [['show', 'pins'], ['show', 'programs', 'level=verbose']]);
      assert.equal(readFileSync(join(home, 'history'), 'utf8'), 'show pins\nebpf show programs level=verbose\n');
    } finally {
      removeHome(home);
    }
  });

  test('a line with an unterminated quote is an error, and the shell goes on', async () => {
    const home = tempHome();
    try {
      const input = new PassThrough();
      const io = bufferedIo({ env: { EBPF_HOME: home } });
      const seen: string[][] = [];
      const done = runShell({ input, output: new PassThrough(), terminal: false }, io, async (argv) => (seen.push([...argv]), 0), commands);
      input.end('set program 1 pinpath="oops\nshow pins\n');
      assert.equal(await done, 0);
      assert.equal(io.stderr, 'error: unterminated quote\n');
      assert.deepEqual(seen, [['show', 'pins']]);
    } finally {
      removeHome(home);
    }
  });
});
