// bpftool-style commands against the service (spec §3.14): `prog show|run|pin`, `map show|dump|lookup|
// update|delete|create|pin`, `link show|detach`, `trace`. Objects are selected as bpftool selects them.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EbpfApi, MapEntry, MapInfo, ProgramInfo } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import { CliError, type CliIo } from '../io.ts';
import type { ToolCommand } from '../main.ts';
import { offlineToolCommands } from '../offline.ts';
import { cliErrorOf, printJson, withService } from './connect.ts';
import * as f from './format.ts';
import { readBytes, readSelector, selectObjects, selectOne, type Selector } from './select.ts';

function tool(name: string, usage: string, summary: string, subcommands: Record<string, (argv: readonly string[], io: CliIo, api: EbpfApi) => Promise<number>>, fallback?: (argv: readonly string[], io: CliIo) => Promise<number> | undefined): ToolCommand {
  return {
    name, usage, summary,
    async run(argv, io) {
      const sub = argv[0] ?? 'show';
      // The fallback claims what is not for the service (`prog run FILE.o`) before any subcommand does.
      const other = fallback?.(argv, io);
      if (other) return await other;
      const handler = subcommands[sub === 'list' ? 'show' : sub];
      if (!handler || !Object.hasOwn(subcommands, sub === 'list' ? 'show' : sub)) {
        throw new UsageError(`'${name} ${sub}' is not a command (${name} ${Object.keys(subcommands).join('|')})`);
      }
      try {
        return await withService(io, (api) => handler(argv.slice(1), io, api));
      } catch (error) {
        throw cliErrorOf(error);
      }
    },
  };
}

/** Splits `tag=value` tokens into `tag value`, so both spellings work. */
function words(argv: readonly string[]): string[] {
  return argv.flatMap((a) => (/^[a-z_]+=/.test(a) ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
}

function optionalSelector(argv: readonly string[], what: string): Selector | undefined {
  if (argv.length === 0) return undefined;
  const [selector, next] = readSelector(argv, 0, what);
  if (next !== argv.length) throw new UsageError(`unexpected '${argv[next]}'`);
  return selector;
}

function bpftoolProgJson(p: ProgramInfo) {
  return { id: p.id, type: p.type, name: p.name, map_ids: p.mapIds, pinned: p.pinnedPaths, run_cnt: p.runCount, run_time_ns: p.runTimeNs };
}

function bpftoolMapJson(m: MapInfo) {
  return { id: m.id, type: m.type, name: m.name, flags: m.flags, bytes_key: m.keySize, bytes_value: m.valueSize, max_entries: m.maxEntries, pinned: m.pinnedPaths };
}

const offlineProg = offlineToolCommands.find((c) => c.name === 'prog');

const prog = tool(
  'prog', 'prog show|run|pin [PROG] ...', 'Programs in the service: show [PROG], run PROG [data_in F] [ctx_in F] [data_out F] [ctx_out F] [repeat N], pin PROG PATH (PROG := id N | name NAME | pinned PATH).',
  {
    async show(argv, io, api) {
      const selector = optionalSelector(argv, 'PROG');
      const programs = selector ? await selectObjects<ProgramInfo>(api, 'program', selector) : await api.call('programs.list', {});
      if (io.json) printJson(io, selector ? bpftoolProgJson(programs[0]!) : programs.map(bpftoolProgJson));
      else io.out(programs.map(f.formatBpftoolProg).join(''));
      return 0;
    },
    async run(argv, io, api) {
      const args = words(argv);
      const [selector, next] = readSelector(args, 0, 'PROG');
      const program = await selectOne<ProgramInfo>(api, 'program', selector);
      const opts = new Map<string, string>();
      for (let i = next; i < args.length; i += 2) {
        const key = args[i]!;
        if (!['data_in', 'data_out', 'ctx_in', 'ctx_out', 'repeat'].includes(key) || args[i + 1] === undefined) throw new UsageError(`prog run: unexpected '${key}' (data_in F, data_out F, ctx_in F, ctx_out F, repeat N)`);
        opts.set(key, args[i + 1]!);
      }
      const read = (key: string) => (opts.has(key) ? readFileSync(resolve(io.cwd, opts.get(key)!)).toString('hex') : undefined);
      const repeat = opts.has('repeat') ? Number(opts.get('repeat')) : 1;
      if (!Number.isSafeInteger(repeat) || repeat < 1) throw new UsageError(`repeat must be a positive integer, not '${opts.get('repeat')}'`);
      const dataIn = read('data_in');
      const contextIn = read('ctx_in');
      const r = await api.call('programs.testRun', { id: program.id, repeat, ...(dataIn === undefined ? {} : { dataIn }), ...(contextIn === undefined ? {} : { contextIn }) });
      if (opts.has('data_out')) writeFileSync(resolve(io.cwd, opts.get('data_out')!), Buffer.from(r.dataOut, 'hex'));
      if (opts.has('ctx_out')) writeFileSync(resolve(io.cwd, opts.get('ctx_out')!), Buffer.from(r.contextOut, 'hex'));
      if (io.json) printJson(io, { retval: Number(r.returnValue), duration: r.durationNs });
      else io.out(`Return value: ${r.returnValue}, duration${repeat > 1 ? ' (average)' : ''}: ${Math.round(r.durationNs)}ns\n`);
      return 0;
    },
    async pin(argv, io, api) {
      const [selector, next] = readSelector(argv, 0, 'PROG');
      const path = argv[next];
      if (path === undefined || argv.length > next + 1) throw new UsageError('prog pin PROG PATH');
      const program = await selectOne<ProgramInfo>(api, 'program', selector);
      await api.call('pins.pin', { kind: 'program', id: program.id, path });
      void io;
      return 0;
    },
  },
  // `prog run FILE.o ...` runs an object file without the service (the offline command).
  (argv, io) => (argv[0] === 'run' && offlineProg && !['id', 'name', 'pinned'].includes(argv[1] ?? '') ? offlineProg.run(argv, io) : undefined),
);

/** An entry as bpftool prints it with BTF: decoded key and value, bytes where BTF says nothing. */
function decodedRow(e: MapEntry): { key: unknown; value: unknown } {
  return { key: e.decodedKey ?? f.spacedHex(e.key), value: e.decodedValue ?? f.spacedHex(e.value) };
}

function dumpText(entries: readonly MapEntry[]): string {
  if (!entries.some((e) => e.decodedValue !== undefined)) return f.formatHexDump(entries);
  const rows = entries.map(decodedRow);
  return `${JSON.stringify(rows, null, 4)}\nFound ${entries.length} element${entries.length === 1 ? '' : 's'}\n`;
}

const FLAGS: Record<string, number> = { any: 0, noexist: 1, exist: 2 };

const map = tool(
  'map', 'map show|dump|lookup|update|delete|create|pin ...',
  'Maps in the service: show [MAP], dump MAP, lookup MAP key BYTES, update MAP key BYTES value BYTES [any|noexist|exist], delete MAP key BYTES, create PATH type T key N value N entries N name NAME, pin MAP PATH (MAP := id N | name NAME | pinned PATH; BYTES := hex 01 02 .. | 1 0x02 ..).',
  {
    async show(argv, io, api) {
      const selector = optionalSelector(argv, 'MAP');
      const maps = selector ? await selectObjects<MapInfo>(api, 'map', selector) : await api.call('maps.list', {});
      if (io.json) printJson(io, selector ? bpftoolMapJson(maps[0]!) : maps.map(bpftoolMapJson));
      else io.out(maps.map(f.formatBpftoolMap).join(''));
      return 0;
    },
    async dump(argv, io, api) {
      const [selector] = readSelector(argv, 0, 'MAP');
      const m = await selectOne<MapInfo>(api, 'map', selector);
      const entries = await api.call('maps.entries', { id: m.id });
      if (io.json) printJson(io, entries.map((e) => ({ key: e.decodedKey ?? e.key, value: e.decodedValue ?? e.value })));
      else io.out(dumpText(entries));
      return 0;
    },
    async lookup(argv, io, api) {
      const [selector, next] = readSelector(argv, 0, 'MAP');
      if (argv[next] !== 'key') throw new UsageError('map lookup MAP key BYTES');
      const [key] = readBytes(argv, next + 1, 'key');
      const m = await selectOne<MapInfo>(api, 'map', selector);
      const entry = await api.call('maps.lookup', { id: m.id, key });
      if (!entry) throw new CliError(`key: ${f.spacedHex(key)}\n\nNot found\n`, 'NOT_FOUND');
      if (io.json) printJson(io, { key: entry.decodedKey ?? entry.key, value: entry.decodedValue ?? entry.value });
      else io.out(entry.decodedValue !== undefined ? `${JSON.stringify(decodedRow(entry), null, 4)}\n` : `key: ${f.spacedHex(entry.key)}  value: ${f.spacedHex(entry.value)}\n`);
      return 0;
    },
    async update(argv, _io, api) {
      const [selector, next] = readSelector(argv, 0, 'MAP');
      if (argv[next] !== 'key') throw new UsageError('map update MAP key BYTES value BYTES [any|noexist|exist]');
      const [key, afterKey] = readBytes(argv, next + 1, 'key');
      if (argv[afterKey] !== 'value') throw new UsageError('map update MAP key BYTES value BYTES [any|noexist|exist]');
      const [value, afterValue] = readBytes(argv, afterKey + 1, 'value');
      const flag = argv[afterValue];
      if (flag !== undefined && (!(flag in FLAGS) || argv.length > afterValue + 1)) throw new UsageError(`unexpected '${flag}' (any|noexist|exist)`);
      const m = await selectOne<MapInfo>(api, 'map', selector);
      await api.call('maps.update', { id: m.id, key, value, flags: FLAGS[flag ?? 'any']! });
      return 0;
    },
    async delete(argv, _io, api) {
      const [selector, next] = readSelector(argv, 0, 'MAP');
      if (argv[next] !== 'key') throw new UsageError('map delete MAP key BYTES');
      const [key] = readBytes(argv, next + 1, 'key');
      const m = await selectOne<MapInfo>(api, 'map', selector);
      await api.call('maps.delete', { id: m.id, key });
      return 0;
    },
    async create(argv, io, api) {
      const args = words(argv);
      const path = args[0];
      if (path === undefined) throw new UsageError('map create PATH type T key N value N entries N name NAME [flags N]');
      const opts = new Map<string, string>();
      for (let i = 1; i < args.length; i += 2) {
        if (!['type', 'key', 'value', 'entries', 'name', 'flags'].includes(args[i]!) || args[i + 1] === undefined) throw new UsageError(`map create: unexpected '${args[i]}'`);
        opts.set(args[i]!, args[i + 1]!);
      }
      const num = (k: string, fallback?: number) => {
        const v = opts.get(k);
        if (v === undefined && fallback !== undefined) return fallback;
        if (v === undefined || !/^(\d+|0x[0-9a-f]+)$/i.test(v)) throw new UsageError(`map create needs '${k}' as a number`);
        return Number(v);
      };
      if (!opts.has('type') || !opts.has('name')) throw new UsageError("map create needs 'type' and 'name'");
      const created = await api.call('maps.create', { type: opts.get('type')!, keySize: num('key'), valueSize: num('value'), maxEntries: num('entries'), name: opts.get('name')!, flags: num('flags', 0), pinPath: path });
      if (io.json) printJson(io, bpftoolMapJson(created));
      return 0;
    },
    async pin(argv, _io, api) {
      const [selector, next] = readSelector(argv, 0, 'MAP');
      const path = argv[next];
      if (path === undefined || argv.length > next + 1) throw new UsageError('map pin MAP PATH');
      const m = await selectOne<MapInfo>(api, 'map', selector);
      await api.call('pins.pin', { kind: 'map', id: m.id, path });
      return 0;
    },
  },
);

const link = tool('link', 'link { show [id N] | detach id N }', 'Links in the service.', {
  async show(argv, io, api) {
    const links = await api.call('links.list', {});
    let shown = links;
    if (argv.length > 0) {
      if (argv[0] !== 'id' || !/^\d+$/.test(argv[1] ?? '') || argv.length > 2) throw new UsageError('link show [id N]');
      shown = links.filter((l) => l.id === Number(argv[1]));
      if (shown.length === 0) throw new CliError(f.unknownIdMessage(Number(argv[1])), 'NOT_FOUND');
    }
    const json = shown.map((l) => ({ id: l.id, type: l.attachType, prog_id: l.programId, attach_type: l.attachType, ...(l.interfaceIndex === undefined ? {} : { ifindex: l.interfaceIndex }), ...(l.compartment === undefined ? {} : { compartment_id: l.compartment }) }));
    if (io.json) printJson(io, argv.length > 0 ? json[0] : json);
    else io.out(shown.map(f.formatBpftoolLink).join(''));
    return 0;
  },
  async detach(argv, _io, api) {
    if (argv[0] !== 'id' || !/^\d+$/.test(argv[1] ?? '') || argv.length > 2) throw new UsageError('link detach id N');
    await api.call('links.detach', { id: Number(argv[1]) });
    return 0;
  },
});

const trace: ToolCommand = {
  name: 'trace',
  usage: 'trace [--once]',
  summary: 'Follows bpf_printk output of programs in the service (--once: what is there now).',
  async run(argv, io) {
    const once = argv.includes('--once');
    if (argv.some((a) => a !== '--once')) throw new UsageError('trace [--once]');
    try {
      return await withService(io, async (api) => {
        const print = (line: { programId: number; text: string }) => (io.json ? printJson(io, line) : io.out(line.text.endsWith('\n') ? line.text : `${line.text}\n`));
        const past = await api.call('trace.read', {});
        past.lines.forEach(print);
        if (once) return 0;
        const stop = await api.watch((event) => {
          if (event.type === 'trace') print(event);
        });
        await new Promise<void>((resolveWait) => process.once('SIGINT', () => resolveWait()));
        stop();
        return 0;
      });
    } catch (error) {
      throw cliErrorOf(error);
    }
  },
};

/** The bpftool-style commands served by the service. */
export const toolServiceCommands: ToolCommand[] = [prog, map, link, trace];
