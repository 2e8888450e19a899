// What a load refuses before any code runs, each with its own reason: an unsigned module, a key nobody
// trusts (outside test signing), any byte changed after signing, bytes appended, a truncated or random
// file, and a program-info hash that no longer matches the platform's program type or helper prototypes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { checkNativeModule, homeSigningKey, NativeModuleError, nativeObject, readNativeModule, SECTION, type SigningPolicy } from '../../src/native/index.ts';
import { readWasmSections } from '../../src/native/format.ts';
import { windowsPlatform, type Platform } from '../../src/platform/index.ts';
import { exampleModule, freshHome } from './support.ts';

const { key, home } = freshHome();
const module = await exampleModule('TraceConnections', key);
const testSigning: SigningPolicy = { trustedKeys: [], testSigning: true };
const trustingKey: SigningPolicy = { trustedKeys: [key.publicKey], testSigning: false };

function refusal(bytes: Uint8Array, policy = testSigning, platform: Platform = windowsPlatform): NativeModuleError {
  try {
    checkNativeModule(bytes, policy, platform);
  } catch (error) {
    if (error instanceof NativeModuleError) return error;
    throw error;
  }
  assert.fail('the module was accepted');
}

test('a module signed by a trusted key loads; in test-signing mode any intact signature does', () => {
  assert.equal(checkNativeModule(module, trustingKey, windowsPlatform).programs[0]!.name, 'TraceConnections');
  assert.equal(checkNativeModule(module, testSigning, windowsPlatform).programs[0]!.name, 'TraceConnections');
  // The key is made once per state directory and then reused.
  assert.equal(homeSigningKey(home).fingerprint, key.fingerprint);
});

test('an unsigned module is refused, even in test-signing mode', () => {
  const signature = readWasmSections(module).find((s) => s.name === SECTION.signature)!;
  const unsigned = module.slice(0, signature.start);
  const e = refusal(unsigned);
  assert.equal(e.code, 'UNSIGNED');
  assert.match(e.message, /not signed/);
  // It is still a readable module (show sections works on it).
  assert.equal(readNativeModule(unsigned).programs.length, 1);
});

test('a module signed by a key that is not trusted is refused outside test-signing mode, naming the key', () => {
  const other = freshHome().key;
  const e = refusal(module, { trustedKeys: [other.publicKey], testSigning: false });
  assert.equal(e.code, 'UNTRUSTED');
  assert.ok(e.message.includes(key.fingerprint.slice(0, 16)), e.message);
  assert.match(e.message, /ebpf trust add/);
});

test('changing any single byte of the module after signing makes it refused', () => {
  const codes = new Map<string, number>();
  for (let i = 0; i < module.length; i++) {
    const changed = module.slice();
    changed[i] = changed[i]! ^ 0x01;
    const e = refusal(changed);
    codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  }
  // Nearly every change breaks the signature; the rest break the structure the signature is found by.
  assert.ok((codes.get('BAD_SIGNATURE') ?? 0) > module.length * 0.9, JSON.stringify([...codes]));
  assert.deepEqual([...codes.keys()].filter((c) => !['BAD_SIGNATURE', 'MALFORMED', 'UNSIGNED', 'NOT_NATIVE'].includes(c)), []);
});

test('bytes appended after the signature are refused', () => {
  const longer = new Uint8Array(module.length + 11);
  longer.set(module);
  longer.set([0, 9, 8, 0x65, 0x62, 0x70, 0x66, 0x2e, 0x78, 0x79, 0x7a], module.length); // a custom section "ebpf.xyz"
  assert.equal(refusal(longer).code, 'BAD_SIGNATURE');
});

test('a truncated module is refused at every length, saying so', () => {
  let truncatedSaid = 0;
  for (let length = 0; length < module.length; length += 7) {
    const e = refusal(module.subarray(0, length));
    if (/truncated/.test(e.message)) truncatedSaid++;
    assert.ok(['NOT_NATIVE', 'MALFORMED', 'UNSIGNED'].includes(e.code), `${length}: ${e.code} ${e.message}`);
  }
  assert.ok(truncatedSaid > 0);
});

test('random bytes, an ELF object and an ordinary WebAssembly module are not native modules', () => {
  assert.match(refusal(new Uint8Array(randomBytes(4096))).message, /not a native module: the file does not begin with the WebAssembly magic/);
  assert.equal(refusal(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])).code, 'NOT_NATIVE');
  const plain = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  assert.match(refusal(plain).message, /without the ebpf\.module section/);
  const junk = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...randomBytes(200)]);
  assert.ok(['MALFORMED', 'NOT_NATIVE'].includes(refusal(junk).code));
});

test('a changed helper prototype on the platform makes the program-info hash mismatch, and the module is refused', () => {
  const changedHelper: Platform = {
    ...windowsPlatform,
    helper: (type, id) => {
      const helper = windowsPlatform.helper(type, id);
      return helper && id === 22 ? { ...helper, args: [...helper.args.slice(0, 3), 'const_size'] } : helper;
    },
  };
  const e = refusal(module, testSigning, changedHelper);
  assert.equal(e.code, 'PROGRAM_INFO_MISMATCH');
  assert.match(e.message, /program TraceConnections was verified against a bind program type or helper prototypes \(1, 2, 22\) that differ/);
  // A helper the program does not call may change freely.
  const otherHelper: Platform = { ...windowsPlatform, helper: (type, id) => (id === 12 ? undefined : windowsPlatform.helper(type, id)) };
  assert.equal(checkNativeModule(module, testSigning, otherHelper).programs.length, 1);
});

test('a changed program type (its context layout) makes the program-info hash mismatch', () => {
  const bind = windowsPlatform.programTypeByName('bind')!;
  const changedType: Platform = { ...windowsPlatform, programTypeById: (id) => (id === bind.id ? { ...bind, contextSize: bind.contextSize + 8 } : windowsPlatform.programTypeById(id)) };
  assert.equal(refusal(module, testSigning, changedType).code, 'PROGRAM_INFO_MISMATCH');
});

test('reading a damaged module for inspection gives a NativeModuleError or a readable module, never a crash', () => {
  let refused = 0;
  for (let i = 0; i < module.length; i++) {
    for (const flip of [0x01, 0x80]) {
      const changed = module.slice();
      changed[i] = changed[i]! ^ flip;
      try {
        nativeObject(readNativeModule(changed), 'x.wasm');
      } catch (error) {
        assert.ok(error instanceof NativeModuleError, `byte ${i} ^ ${flip}: ${(error as Error).stack}`);
        refused++;
      }
    }
  }
  assert.ok(refused > 0);
});
