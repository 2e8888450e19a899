// The trusted keys of a state directory ($EBPF_HOME/trusted-keys.json): the public keys whose native
// modules load outside test-signing mode, as `ebpf trust add|remove|list` manage them. The service reads
// the file at every load, so a change applies at once.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NativeModuleError } from './format.ts';
import { fingerprintOf } from './signing.ts';

/** The trust store's file in a state directory. */
export const TRUST_FILE = 'trusted-keys.json';

/** One trusted key. */
export interface TrustedKey {
  readonly fingerprint: string;
  /** 32 raw bytes, base64. */
  readonly publicKey: string;
  readonly name: string;
  readonly addedAt: string;
}

/** The trust store's path for a state directory. */
export function trustPath(home: string): string {
  return join(home, TRUST_FILE);
}

/** The trusted keys of a state directory (none when the file does not exist). */
export function readTrustedKeys(home: string): TrustedKey[] {
  const path = trustPath(home);
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NativeModuleError('KEY', `${path} is not valid JSON (${(error as Error).message}); fix or delete it`);
  }
  if (!Array.isArray(parsed)) throw new NativeModuleError('KEY', `${path} must hold a JSON array of keys`);
  return parsed.map((entry, i) => {
    const e = entry as Partial<TrustedKey> | null;
    const raw = typeof e?.publicKey === 'string' ? Buffer.from(e.publicKey, 'base64') : undefined;
    if (!e || !raw || raw.length !== 32 || typeof e.name !== 'string' || typeof e.addedAt !== 'string' || e.fingerprint !== fingerprintOf(raw)) {
      throw new NativeModuleError('KEY', `${path}: entry ${i} is not a trusted key (publicKey: 32 bytes base64, fingerprint its SHA-256, name, addedAt)`);
    }
    return { fingerprint: e.fingerprint, publicKey: e.publicKey!, name: e.name, addedAt: e.addedAt };
  });
}

function writeTrustedKeys(home: string, keys: readonly TrustedKey[]): void {
  const path = trustPath(home);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = Buffer.from(JSON.stringify(keys, null, 2) + '\n');
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Trusts a public key; returns the entry and whether it was new. */
export function addTrustedKey(home: string, publicKey: Uint8Array, name: string): { key: TrustedKey; added: boolean } {
  const keys = readTrustedKeys(home);
  const fingerprint = fingerprintOf(publicKey);
  const existing = keys.find((k) => k.fingerprint === fingerprint);
  if (existing) return { key: existing, added: false };
  const key: TrustedKey = { fingerprint, publicKey: Buffer.from(publicKey).toString('base64'), name, addedAt: new Date().toISOString() };
  writeTrustedKeys(home, [...keys, key]);
  return { key, added: true };
}

/** Stops trusting the key whose fingerprint starts with `prefix` (at least 8 hex digits, unambiguous). */
export function removeTrustedKey(home: string, prefix: string): TrustedKey {
  const wanted = prefix.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(wanted)) throw new NativeModuleError('KEY', `'${prefix}' is not a key fingerprint (8 to 64 hex digits; 'ebpf trust list' shows them)`);
  const keys = readTrustedKeys(home);
  const matches = keys.filter((k) => k.fingerprint.startsWith(wanted));
  if (matches.length === 0) throw new NativeModuleError('KEY', `no trusted key has a fingerprint starting with ${wanted}`);
  if (matches.length > 1) throw new NativeModuleError('KEY', `${wanted} matches ${matches.length} trusted keys; give more digits`);
  writeTrustedKeys(home, keys.filter((k) => k !== matches[0]));
  return matches[0]!;
}
