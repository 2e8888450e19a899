import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
