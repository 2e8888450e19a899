// Ed25519 keys for native modules: the signing key (made on first use in $EBPF_HOME, owner-only, or given
// as a PEM file), public keys as 32 raw bytes, and their fingerprints (SHA-256 of those bytes, hex).

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NativeModuleError } from './format.ts';

/** The signing key's file in a state directory. */
export const SIGNING_KEY_FILE = 'native-signing-key.pem';

/** A key pair as signing uses it. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  /** 32 raw bytes. */
  readonly publicKey: Uint8Array;
  readonly fingerprint: string;
}

/** The fingerprint of a raw Ed25519 public key: SHA-256, hex. */
export function fingerprintOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex');
}

/** The 32 raw bytes of an Ed25519 public key object. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  if (key.asymmetricKeyType !== 'ed25519') throw new NativeModuleError('KEY', `the key is ${key.asymmetricKeyType ?? 'not asymmetric'}, not Ed25519`);
  const jwk = key.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
}

/** A public key object from 32 raw bytes. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NativeModuleError('KEY', `an Ed25519 public key is 32 bytes, not ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads an Ed25519 private key from a PEM file. */
export function readSigningKey(path: string): SigningKey {
  if (!existsSync(path)) throw new NativeModuleError('KEY', `no key file ${path}`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new NativeModuleError('KEY', `${path} is not a private key in PEM form (${(error as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new NativeModuleError('KEY', `${path} holds a ${privateKey.asymmetricKeyType} key; native modules are signed with Ed25519`);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return { privateKey, publicKey, fingerprint: fingerprintOf(publicKey) };
}

/** The state directory's signing key, made (owner-only) on first use. */
export function homeSigningKey(home: string): SigningKey & { created: boolean; path: string } {
  const path = join(home, SIGNING_KEY_FILE);
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { ...readSigningKey(path), created: false, path };
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  writePrivate(path, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  return { ...readSigningKey(path), created: true, path };
}

/** Reads a public key (or the public half of a private key) from a PEM file. */
export function readPublicKeyFile(path: string): Uint8Array {
  if (!existsSync(path)) throw new NativeModuleError('KEY', `no key file ${path}`);
  const text = readFileSync(path);
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (error) {
    throw new NativeModuleError('KEY', `${path} is not a public or private key in PEM form (${(error as Error).message})`);
  }
  return rawPublicKey(key);
}

/** Signs `data`. */
export function signBytes(key: SigningKey, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, data, key.privateKey));
}

/** Whether `signature` is `publicKey`'s signature of `data`. */
export function verifyBytes(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, publicKeyFromRaw(publicKey), signature);
  } catch {
    return false;
  }
}
