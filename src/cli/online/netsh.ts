// The netsh `ebpf` commands that need the service (spec §3.1-§3.8, §3.13): add/delete/set program,
// show programs/maps/links/pins/processes, pin/unpin map/program, printing exactly what netsh prints.

import { resolve } from 'node:path';
import { ApiError, type EbpfApi } from '../../client/index.ts';
import { windowsPlatform } from '../../platform/index.ts';
import type { ParamSpec } from '../args.ts';
import { UsageError } from '../args.ts';
import type { CliIo } from '../io.ts';
import type { NetshCommand } from '../main.ts';
import { cliErrorOf, printJson, withService } from './connect.ts';
import * as f from './format.ts';

function command(verb: string, noun: string, params: ParamSpec[], summary: string, body: (args: ReadonlyMap<string, string>, io: CliIo, api: EbpfApi) => Promise<number>): NetshCommand {
  return {
    verb, noun, params, summary,
    async run(args, io) {
      try {
        return await withService(io, (api) => body(args, io, api));
      } catch (error) {
        throw cliErrorOf(error);
      }
    },
  };
}

/** What netsh prints when a handler fails: its message texts for the errors it knows. */
function netshFailure(io: CliIo, error: unknown): number {
  if (!(error instanceof ApiError)) throw error;
  const errno = error.errno ?? 1;
  switch (error.code) {
    case 'OPEN_FAILED':
      io.err(f.netshErrors.couldNotOpen(errno));
      break;
    case 'LOAD_FAILED':
    case 'VERIFIER_REJECTED':
      io.err(f.netshErrors.couldNotLoad(errno, error.detail ?? error.message));
      break;
    case 'ATTACH_FAILED':
      io.err(f.netshErrors.couldNotAttach(errno));
      break;
    case 'PIN_FAILED':
      io.err(f.netshErrors.couldNotPin(errno, error.detail ?? ''));
      break;
    case 'INTERFACE_INVALID':
    case 'INTERFACE_NOT_ALLOWED':
    case 'COMPARTMENT_INVALID':
    case 'COMPARTMENT_NOT_ALLOWED':
      io.err(`${error.message}\n`);
      break;
    default:
      throw error;
  }
  return 1;
}

const addProgram = command(
  'add', 'program',
  [
    { tag: 'filename', required: true }, { tag: 'type' }, { tag: 'pinpath' }, { tag: 'interface' },
    { tag: 'pinned', values: ['none', 'first', 'all'] }, { tag: 'execution', values: ['jit', 'interpret'] }, { tag: 'compartment', kind: 'integer' },
  ],
  'Loads, pins and attaches the programs of an object file.',
  async (args, io, api) => {
    const fileName = args.get('filename')!;
    try {
      const result = await api.call('programs.load', {
        path: resolve(io.cwd, fileName), fileName,
        ...(args.has('type') ? { type: args.get('type')! } : {}),
        ...(args.has('pinpath') ? { pinPath: args.get('pinpath')! } : {}),
        ...(args.has('interface') ? { interface: args.get('interface')! } : {}),
        ...(args.has('pinned') ? { pinned: args.get('pinned') as 'none' | 'first' | 'all' } : {}),
        ...(args.has('execution') ? { execution: args.get('execution') as 'jit' | 'interpret' } : {}),
        ...(args.has('compartment') ? { compartment: Number(args.get('compartment')) } : {}),
      });
      io.out(f.loadedMessage(result.programIds[0]!));
      return 0;
    } catch (error) {
      return netshFailure(io, error);
    }
  },
);

const deleteProgram = command('delete', 'program', [{ tag: 'id', required: true, kind: 'integer' }], 'Unpins, detaches and unloads a program.', async (args, io, api) => {
  const id = Number(args.get('id'));
  try {
    const { unpinned } = await api.call('programs.delete', { id });
    for (const path of unpinned) io.out(f.unpinnedMessage(id, path));
    return 0;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'NOT_FOUND') {
      io.err(f.netshErrors.programNotFound);
      return 1;
    }
    throw error;
  }
});

const setProgram = command(
  'set', 'program',
  [{ tag: 'id', required: true, kind: 'integer' }, { tag: 'attached', allowEmpty: true }, { tag: 'pinpath', allowEmpty: true }, { tag: 'interface' }],
  'Attaches, detaches, pins or unpins a program.',
  async (args, io, api) => {
    const id = Number(args.get('id'));
    if (!args.has('attached') && !args.has('pinpath') && !args.has('interface')) throw new UsageError("'set program' needs the id and at least one of attached, pinpath, interface");
    const pinPath = args.get('pinpath');
    try {
      const attached = args.get('attached');
      if (attached === '') {
        await api.call('programs.detach', { id });
      } else if (attached !== undefined || args.has('interface')) {
        await api.call('programs.attach', { id, ...(attached ? { attachType: attached } : {}), ...(args.has('interface') ? { interface: args.get('interface')! } : {}) });
      }
      if (pinPath === '') {
        for (const pin of await api.call('pins.list', {})) if (pin.kind === 'program' && pin.id === id) await api.call('pins.unpin', { path: pin.path, kind: 'program', id });
      } else if (pinPath !== undefined) {
        await api.call('pins.pin', { kind: 'program', id, path: pinPath });
      }
      return 0;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NOT_ATTACHED') {
        io.err(f.netshErrors.couldNotDetach(1168));
        return 1;
      }
      if (error instanceof ApiError && error.code === 'NOT_FOUND') {
        io.err(f.netshErrors.programNotFound);
        return 1;
      }
      if (error instanceof ApiError && (error.code === 'PIN_EXISTS' || error.code === 'BAD_PIN_PATH')) {
        io.err(f.netshErrors.couldNotPin(error.errno ?? 22, pinPath ?? ''));
        return 1;
      }
      return netshFailure(io, error);
    }
  },
);

/** A `type=` value (section-like, as libbpf_prog_type_by_name takes it, or a type name) as a program type name. */
function programTypeName(value: string): string {
  const section = windowsPlatform.sectionInfo(value);
  return (section && windowsPlatform.programTypeById(section.programType)?.name) ?? value;
}

const showPrograms = command(
  'show', 'programs',
  [
    { tag: 'type' }, { tag: 'attached', values: ['any', 'yes', 'no'] }, { tag: 'pinned', values: ['any', 'yes', 'no'] }, { tag: 'level', values: ['normal', 'verbose'] },
    { tag: 'filename' }, { tag: 'section' }, { tag: 'id', kind: 'integer' },
  ],
  'Lists loaded programs.',
  async (args, io, api) => {
    const programs = f.filterPrograms(await api.call('programs.list', {}), {
      ...(args.has('type') ? { type: programTypeName(args.get('type')!) } : {}),
      ...(args.has('attached') ? { attached: args.get('attached') as 'any' } : {}),
      ...(args.has('pinned') ? { pinned: args.get('pinned') as 'any' } : {}),
      ...(args.has('filename') ? { fileName: args.get('filename')! } : {}),
      ...(args.has('section') ? { section: args.get('section')! } : {}),
      ...(args.has('id') ? { id: Number(args.get('id')) } : {}),
    });
    if (io.json) printJson(io, programs);
    else {
      const verbose = args.get('level') === 'verbose' || (args.has('id') && !args.has('level'));
      io.out(verbose ? f.formatProgramsVerbose(programs) : f.formatProgramsTable(programs));
    }
    return 0;
  },
);

function listCommand<T>(noun: string, summary: string, list: (api: EbpfApi) => Promise<T[]>, format: (rows: T[]) => string): NetshCommand {
  return command('show', noun, [], summary, async (_args, io, api) => {
    const rows = await list(api);
    if (io.json) printJson(io, rows);
    else io.out(format(rows));
    return 0;
  });
}

function pinCommand(verb: 'pin' | 'unpin', kind: 'map' | 'program'): NetshCommand {
  return command(verb, kind, [{ tag: 'id', required: true, kind: 'integer' }, { tag: 'path' }], `${verb === 'pin' ? 'Pins' : 'Unpins'} a ${kind} ${verb === 'pin' ? 'at' : 'from'} a path (default: its name).`, async (args, io, api) => {
    const id = Number(args.get('id'));
    const objects = kind === 'map' ? await api.call('maps.list', {}) : await api.call('programs.list', {});
    const object = objects.find((o) => o.id === id);
    if (!object) {
      io.err(f.netshErrors.invalidParameter);
      return 87;
    }
    const path = args.get('path') ?? object.name;
    try {
      if (verb === 'pin') await api.call('pins.pin', { kind, id, path });
      else await api.call('pins.unpin', { kind, id, path });
      return 0;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (verb === 'pin') io.err(f.netshErrors.couldNotPin(error.errno ?? 22, path));
      else io.err(f.netshErrors.unpinFailed(error.errno ?? 1168, id, path));
      return 1;
    }
  });
}

/** The netsh commands served by the service. */
export const netshServiceCommands: NetshCommand[] = [
  addProgram,
  deleteProgram,
  setProgram,
  showPrograms,
  listCommand('maps', 'Lists maps.', (api) => api.call('maps.list', {}), f.formatMapsTable),
  listCommand('links', 'Lists links.', (api) => api.call('links.list', {}), f.formatLinksTable),
  listCommand('pins', 'Lists pinned paths.', (api) => api.call('pins.list', {}), f.formatPinsTable),
  listCommand('processes', 'Lists processes connected to the service.', (api) => api.call('processes.list', {}), f.formatProcessesTable),
  pinCommand('pin', 'map'),
  pinCommand('pin', 'program'),
  pinCommand('unpin', 'map'),
  pinCommand('unpin', 'program'),
];
