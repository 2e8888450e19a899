// Native modules on the command line: `ebpf native FILE.o` (and `build --native`) writes a verified,
// signed module; `ebpf trust add|remove|list` manages the keys whose modules load outside test-signing
// mode; `show hash` prints a module's source hash as netsh does (spec §3.12); and `show sections` /
// `show disassembly` read modules through `openNativeArgument`.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  addTrustedKey, buildNativeModule, hasWasmMagic, homeSigningKey, nativeObject, NativeModuleError, readNativeModule, readPublicKeyFile, readSigningKey, readTrustedKeys, removeTrustedKey,
  type BuiltModule,
} from '../native/index.ts';
import type { ObjectSpec } from '../object/index.ts';
import { servicePaths } from '../service/home.ts';
import { UsageError } from './args.ts';
import { CliError, type CliIo } from './io.ts';
import type { NetshCommand, ToolCommand } from './main.ts';

/** The object named on the command line read from a native module, or undefined when the file is not WebAssembly. */
export function openNativeArgument(file: string, path: string): ObjectSpec | undefined {
  const bytes = new Uint8Array(readFileSync(path));
  if (!hasWasmMagic(bytes)) return undefined;
  try {
    return nativeObject(readNativeModule(bytes), basename(path));
  } catch (error) {
    if (error instanceof NativeModuleError) throw new CliError(`error: ${file}: ${error.message}`, error.code);
    throw error;
  }
}

/** What `writeNativeModule` did, for the command to print. */
export interface NativeWritten {
  readonly module: string;
  readonly built: BuiltModule;
  readonly key: string;
  /** The signing key file, when it was made by this call. */
  readonly createdKey?: string;
}

/** Builds a module from an object file and writes it, signed with `keyFile` or the state directory's key. */
export function writeNativeModule(io: CliIo, objectPath: string, outPath: string, options: { type?: string; keyFile?: string }): NativeWritten {
  let key;
  let createdKey: string | undefined;
  if (options.keyFile !== undefined) {
    key = readSigningKey(resolve(io.cwd, options.keyFile));
  } else {
    const made = homeSigningKey(servicePaths(io.env).home);
    if (made.created) createdKey = made.path;
    key = made;
  }
  const built = buildNativeModule(new Uint8Array(readFileSync(objectPath)), { name: basename(objectPath), key, ...(options.type !== undefined ? { type: options.type } : {}) });
  writeFileSync(outPath, built.bytes);
  return { module: outPath, built, key: key.fingerprint, ...(createdKey ? { createdKey } : {}) };
}

/** The lines `native` and `build --native` print for a written module. */
export function formatNativeWritten(w: NativeWritten): string {
  const created = w.createdKey ? `Created signing key ${w.createdKey} (fingerprint ${w.key})\n` : '';
  return `${created}Built ${w.module}: native module, ${w.built.programs.map((p) => `${p.name} (${p.section})`).join(', ')}, signed by key ${w.key.slice(0, 16)}\n`;
}

/** The same as JSON fields. */
export function nativeWrittenJson(w: NativeWritten): Record<string, unknown> {
  return { module: w.module, programs: w.built.programs, sourceHash: w.built.sourceHash, key: w.key, ...(w.createdKey ? { createdKey: w.createdKey } : {}) };
}

const native: ToolCommand = {
  name: 'native',
  usage: 'native FILE.o [-o OUT.wasm] [--type TYPE] [--key KEY.pem]',
  summary: 'Verifies an object, compiles it ahead of time and writes a signed native module.',
  async run(argv, io) {
    let input: string | undefined;
    const options: { out?: string; type?: string; keyFile?: string } = {};
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '-o' || arg === '--output' || arg === '--type' || arg === '--key') {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`native: ${arg} needs a value`);
        if (arg === '--type') options.type = value;
        else if (arg === '--key') options.keyFile = value;
        else options.out = value;
      } else if (arg.startsWith('-')) {
        throw new UsageError(`native: unknown option '${arg}' (usage: ebpf ${this.usage})`);
      } else if (input === undefined) {
        input = arg;
      } else {
        throw new UsageError(`native: one object file at a time ('${arg}' is extra)`);
      }
    }
    if (!input) throw new UsageError(`native: which object file? (usage: ebpf ${this.usage})`);
    const objectPath = resolve(io.cwd, input);
    if (!existsSync(objectPath)) throw new CliError(`error: No such file or directory opening ${input}`, 'FILE_NOT_FOUND');
    const outPath = options.out !== undefined ? resolve(io.cwd, options.out) : objectPath.replace(/\.o$/, '') + '.wasm';
    const written = writeNativeModule(io, objectPath, outPath, options);
    io.out(io.json ? JSON.stringify(nativeWrittenJson(written)) + '\n' : formatNativeWritten(written));
    return 0;
  },
};

const trust: ToolCommand = {
  name: 'trust',
  usage: 'trust add [KEY.pem] [--name NAME] | remove FINGERPRINT | list',
  summary: 'Manages the keys whose native modules load outside test-signing mode.',
  async run(argv, io) {
    const home = servicePaths(io.env).home;
    const [sub, ...rest] = argv;
    if (sub === 'list' && rest.length === 0) {
      const keys = readTrustedKeys(home);
      if (io.json) {
        io.out(JSON.stringify(keys, null, 2) + '\n');
        return 0;
      }
      if (keys.length === 0) {
        io.out('No trusted keys (native modules load only in test-signing mode)\n');
        return 0;
      }
      io.out(`\n${'Fingerprint'.padEnd(64)}  ${'Added'.padEnd(24)}  Name\n${'='.repeat(64)}  ${'='.repeat(24)}  ${'='.repeat(20)}\n`);
      for (const k of keys) io.out(`${k.fingerprint}  ${k.addedAt.padEnd(24)}  ${k.name}\n`);
      return 0;
    }
    if (sub === 'add') {
      let file: string | undefined;
      let name: string | undefined;
      for (let i = 0; i < rest.length; i++) {
        const arg = rest[i]!;
        if (arg === '--name') {
          name = rest[++i];
          if (name === undefined || name === '') throw new UsageError('trust add: --name needs a value');
        } else if (arg.startsWith('-')) {
          throw new UsageError(`trust add: unknown option '${arg}' (usage: ebpf ${this.usage})`);
        } else if (file === undefined) {
          file = arg;
        } else {
          throw new UsageError(`trust add: one key file at a time ('${arg}' is extra)`);
        }
      }
      // Without a file: this state directory's own signing key (made now if it does not exist yet).
      const publicKey = file !== undefined ? readPublicKeyFile(resolve(io.cwd, file)) : homeSigningKey(home).publicKey;
      const { key, added } = addTrustedKey(home, publicKey, name ?? (file !== undefined ? basename(file) : 'this machine'));
      if (io.json) io.out(JSON.stringify({ ...key, added }) + '\n');
      else io.out(added ? `Trusted key ${key.fingerprint} (${key.name})\n` : `Key ${key.fingerprint} is already trusted (${key.name})\n`);
      return 0;
    }
    if (sub === 'remove' && rest.length === 1) {
      const key = removeTrustedKey(home, rest[0]!);
      if (io.json) io.out(JSON.stringify(key) + '\n');
      else io.out(`Removed trusted key ${key.fingerprint} (${key.name})\n`);
      return 0;
    }
    throw new UsageError(`usage: ebpf ${this.usage}`);
  },
};

/** netsh's `show hash` (spec §3.12): the SHA-256 of the source object a module was built from. */
const showHash: NetshCommand = {
  verb: 'show',
  noun: 'hash',
  summary: 'Shows the SHA-256 of the object file a native module was built from.',
  params: [{ tag: 'filename', required: true }, { tag: 'hashonly' }],
  async run(args, io) {
    const file = args.get('filename')!;
    const path = resolve(io.cwd, file);
    if (!existsSync(path)) throw new CliError(`error: No such file or directory opening ${file}`, 'FILE_NOT_FOUND');
    const bytes = new Uint8Array(readFileSync(path));
    let hash: Uint8Array | undefined;
    try {
      hash = readNativeModule(bytes).sourceHash;
    } catch (error) {
      if (!(error instanceof NativeModuleError)) throw error;
      if (error.code !== 'NOT_NATIVE') throw new CliError(`error: ${file}: ${error.message}`, error.code);
    }
    if (!hash) throw new CliError(`No hash section found in ${file}`, 'NO_HASH');
    if (hash.length === 0) throw new CliError(`Hash section is empty in ${file}`, 'NO_HASH');
    // netsh shows at most a SHA-256's 32 bytes.
    const shown = [...hash.subarray(0, 32)];
    if (io.json) {
      io.out(JSON.stringify({ file, size: shown.length, hash: Buffer.from(shown).toString('hex') }) + '\n');
      return 0;
    }
    if (args.has('hashonly')) {
      io.out(shown.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('') + '\n');
      return 0;
    }
    let data = '';
    shown.forEach((b, i) => {
      if (i > 0 && i % 16 === 0) data += '\n      ';
      data += b.toString(16).padStart(2, '0');
      if (i < shown.length - 1) data += ' ';
    });
    io.out(`Hash for ${file}:\nSize: ${shown.length} bytes\nData: ${data}\n`);
    return 0;
  },
};

/** netsh-style native commands. */
export const nativeNetshCommands: NetshCommand[] = [showHash];
/** bpftool-style native commands. */
export const nativeToolCommands: ToolCommand[] = [native, trust];
