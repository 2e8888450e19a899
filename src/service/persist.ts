// Persistence of the pinning namespace across `service stop`/`start` and a kill -9:
// - pinned maps, with their contents;
// - pinned programs, with a copy of the object file they came from (state/objects/<sha256>.o, checked
//   against its name and loaded, so verified, again on restore), and the contents of that object's maps
//   (a pinned program holds its maps, so `proc_map` keeps counting after a restart).
// Links are not persistent, as on Windows (pins name programs and maps, never links): a restored program
// comes back unattached; `set program ID attached=...` attaches it again.
// Maps whose values are program or map ids (program arrays, maps of maps) keep no contents of their own:
// their object fills them again at load. A pinned map's BTF is kept beside the objects
// (state/objects/<sha256>.btf), so a pinned map that no pinned program holds still decodes after a restart.
// A snapshot (state/pins.json) is written at most once a second while anything changed, atomically
// (temporary file, fsync, rename), so a kill -9 loses at most the last second and a restart never reads a
// half-written file; temporary files a kill left behind are removed at the next start. The snapshot is
// composed at once (one consistent moment) and written off the event loop, so the fsync's milliseconds
// never stall the programs and hooks the service runs; `stop()` writes the last one synchronously.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, renameSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ServiceEvent } from '../client/api.ts';
import { windowsPlatform } from '../platform/index.ts';
import type { RuntimeBackend } from './backend.ts';
import { ensurePrivateDir, writeFileAtomic, writeFileAtomicAsync } from './home.ts';
import type { ServiceHost } from './host.ts';

type Entries = [string, string][];

interface SavedMap {
  path: string;
  id: number;
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  entries: Entries;
  /** SHA-256 of the map's BTF section, kept as objects/<sha>.btf, with its key and value type ids. */
  btf?: string;
  keyTypeId?: number;
  valueTypeId?: number;
}

interface SavedProgram {
  path: string;
  /** First program id of the load it came from: programs of one load are restored by one load. */
  load: number;
  /** SHA-256 of the object file, kept as objects/<sha>.o. */
  object: string;
  fileName: string;
  type?: string;
  execution: 'jit' | 'interpret';
  name: string;
  section: string;
  /** The maps of its load: name -> id before the restart. */
  maps: Record<string, number>;
}

/** Contents of a map held by a pinned program's load and not pinned itself. */
interface SavedContents {
  id: number;
  name: string;
  entries: Entries;
}

interface Snapshot {
  version: 2;
  savedAt: string;
  maps: SavedMap[];
  programs: SavedProgram[];
  programMaps: SavedContents[];
}

const SNAPSHOT_EVERY_MS = 1000;

/** Problems met while restoring, one line each (the service logs them and goes on). */
export type RestoreReport = string[];

/** Whether a map type's values are plain data (not program or map ids), by the platform's description. */
function holdsData(type: string): boolean {
  return windowsPlatform.mapTypes.find((t) => t.displayName === type)?.valueKind === 'data';
}

const isTemporary = (name: string) => /\.tmp-\d+$/.test(name);

/** Saves and restores a host's pins in `stateDir`. */
export class PinStore {
  private readonly file: string;
  private readonly objects: string;
  private dirty = false;
  private savedEmpty = false;
  /** A snapshot being written in the background. */
  private writing: Promise<void> | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onEvent = (event: ServiceEvent) => this.observe(event);

  constructor(private readonly host: ServiceHost, private readonly runtime: RuntimeBackend, stateDir: string) {
    ensurePrivateDir(stateDir);
    this.objects = join(stateDir, 'objects');
    ensurePrivateDir(this.objects);
    this.file = join(stateDir, 'pins.json');
  }

  /** Starts saving changes (a snapshot at most once a second). */
  start(): void {
    this.host.events.on('event', this.onEvent);
    this.timer = setInterval(() => this.flushIfDirty(), SNAPSHOT_EVERY_MS);
    this.timer.unref();
  }

  /** Stops and writes a final snapshot. */
  stop(): void {
    this.host.events.off('event', this.onEvent);
    if (this.timer) clearInterval(this.timer);
    // A background write still in flight is dropped at its rename: this one is newer.
    this.stopped = true;
    this.save();
  }

  private observe(event: ServiceEvent): void {
    if (event.type === 'trace' || event.type === 'link-attached' || event.type === 'link-detached') return;
    this.dirty = true;
  }

  private flushIfDirty(): void {
    if (!this.dirty || this.writing || this.stopped) return;
    const failed = (error: unknown) => process.stderr.write(`ebpf service: could not save pins: ${(error as Error).message}\n`);
    try {
      const snapshot = this.compose();
      if (!snapshot) return;
      this.writing = writeFileAtomicAsync(this.file, snapshot.json, () => !this.stopped)
        .then((written) => {
          if (written) this.committed(snapshot);
        })
        .catch((error: unknown) => {
          this.dirty = true;
          failed(error);
        })
        .finally(() => {
          this.writing = undefined;
        });
    } catch (error) {
      failed(error);
    }
  }

  private entriesOf(mapId: number): Entries {
    return this.runtime.entries(mapId, Number.MAX_SAFE_INTEGER).map((e): [string, string] => [Buffer.from(e.key).toString('hex'), Buffer.from(e.value).toString('hex')]);
  }

  /** Writes the snapshot now (and drops kept objects no pin needs any more). */
  save(): void {
    const snapshot = this.compose();
    if (!snapshot) return;
    writeFileAtomic(this.file, snapshot.json);
    this.committed(snapshot);
  }

  /** After a snapshot is in place: kept objects and BTF no pin needs any more are dropped. */
  private committed(snapshot: { empty: boolean; objects: ReadonlySet<string>; kept: ReadonlySet<string> }): void {
    this.savedEmpty = snapshot.empty;
    for (const name of readdirSync(this.objects)) {
      if (name.endsWith('.o') && !snapshot.objects.has(name.slice(0, -2))) rmSync(join(this.objects, name), { force: true });
      if (name.endsWith('.btf') && !snapshot.kept.has(name.slice(0, -4))) rmSync(join(this.objects, name), { force: true });
    }
  }

  /** The snapshot of this moment (kept objects and BTF it names are written first), or undefined when there is nothing new to say. */
  private compose(): { json: string; empty: boolean; objects: Set<string>; kept: Set<string> } | undefined {
    this.dirty = false;
    const pins = this.host.pinList();
    if (pins.length === 0 && this.savedEmpty) return undefined;
    const maps = new Map(this.host.mapList().map((m) => [m.id, m]));
    const programs = new Map(this.host.programList().map((p) => [p.id, p]));
    const snapshot: Snapshot = { version: 2, savedAt: new Date().toISOString(), maps: [], programs: [], programMaps: [] };
    const pinnedMapIds = new Set(pins.filter((p) => p.kind === 'map').map((p) => p.id));
    const contentsSaved = new Set<number>();
    const objects = new Set<string>();
    const kept = new Set<string>();
    for (const pin of pins) {
      if (pin.kind === 'map') {
        const m = maps.get(pin.id);
        if (!m) continue;
        snapshot.maps.push({ path: pin.path, id: m.id, name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, entries: holdsData(m.type) ? this.entriesOf(m.id) : [], ...this.keepBtf(m.id, kept) });
        continue;
      }
      const p = programs.get(pin.id);
      const load = this.host.loadOf(pin.id);
      if (!p || !load) continue;
      const keptObject = join(this.objects, `${load.sha256}.o`);
      if (!existsSync(keptObject)) writeFileAtomic(keptObject, load.bytes);
      objects.add(load.sha256);
      const mapNames: Record<string, number> = {};
      for (const id of load.mapIds) {
        const m = maps.get(id);
        if (!m) continue;
        mapNames[m.name] = id;
        if (!pinnedMapIds.has(id) && !contentsSaved.has(id) && holdsData(m.type)) {
          contentsSaved.add(id);
          snapshot.programMaps.push({ id, name: m.name, entries: this.entriesOf(id) });
        }
      }
      snapshot.programs.push({
        path: pin.path, load: Math.min(...load.programIds), object: load.sha256, fileName: load.fileName, ...(load.type === undefined ? {} : { type: load.type }),
        execution: load.execution, name: p.name, section: p.section, maps: mapNames,
      });
    }
    return { json: JSON.stringify(snapshot), empty: pins.length === 0, objects, kept };
  }

  /** Keeps the map's BTF as objects/<sha256>.btf (once per distinct section) and says where, for its saved record. */
  private keepBtf(mapId: number, kept: Set<string>): Pick<SavedMap, 'btf' | 'keyTypeId' | 'valueTypeId'> {
    const found = this.runtime.mapBtf?.(mapId);
    if (!found) return {};
    const sha256 = createHash('sha256').update(found.btf).digest('hex');
    const file = join(this.objects, `${sha256}.btf`);
    if (!kept.has(sha256) && !existsSync(file)) writeFileAtomic(file, found.btf);
    kept.add(sha256);
    return { btf: sha256, ...(found.keyTypeId !== undefined ? { keyTypeId: found.keyTypeId } : {}), ...(found.valueTypeId !== undefined ? { valueTypeId: found.valueTypeId } : {}) };
  }

  /** The saved map's BTF and type ids, read back and checked; a problem is a report line and the map comes back without BTF. */
  private savedBtf(saved: SavedMap, report: RestoreReport): { btf?: Uint8Array; keyTypeId?: number; valueTypeId?: number } {
    if (saved.btf === undefined) return {};
    try {
      if (!/^[0-9a-f]{64}$/.test(String(saved.btf))) throw new Error(`'${String(saved.btf)}' is not the SHA-256 of a kept BTF section`);
      const file = join(this.objects, `${saved.btf}.btf`);
      const bytes = readFileSync(file);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== saved.btf) throw new Error(`the kept copy ${file} was changed (SHA-256 ${sha256})`);
      return { btf: new Uint8Array(bytes), ...(saved.keyTypeId !== undefined ? { keyTypeId: saved.keyTypeId } : {}), ...(saved.valueTypeId !== undefined ? { valueTypeId: saved.valueTypeId } : {}) };
    } catch (error) {
      report.push(`map ${saved.path}: its BTF is not restored, its entries show as bytes (${(error as Error).message})`);
      return {};
    }
  }

  /** Removes temporary files a kill left behind (never read: the snapshot is only ever renamed into place). */
  private removeTemporaries(): void {
    for (const dir of [join(this.file, '..'), this.objects]) {
      for (const name of readdirSync(dir)) if (isTemporary(name)) rmSync(join(dir, name), { force: true });
    }
  }

  /** Writes saved entries into a map (only those that differ); a failure is one report line. */
  private fill(mapId: number, entries: Entries, what: string, report: RestoreReport): void {
    let failed = 0;
    let first = '';
    for (const [k, v] of entries) {
      const key = Buffer.from(k, 'hex');
      const value = Buffer.from(v, 'hex');
      try {
        const now = this.runtime.lookup(mapId, key);
        if (now && Buffer.from(now).equals(value)) continue;
        this.runtime.update(mapId, key, value, 0);
      } catch (error) {
        if (failed++ === 0) first = (error as Error).message;
      }
    }
    if (failed > 0) report.push(`${what}: ${failed} of ${entries.length} entries not restored (${first})`);
  }

  /** Restores the last snapshot into an empty host; what could not be restored is reported, not fatal. */
  async restore(): Promise<RestoreReport> {
    const report: RestoreReport = [];
    this.removeTemporaries();
    if (!existsSync(this.file)) return report;
    let snapshot: Snapshot;
    try {
      const read = JSON.parse(readFileSync(this.file, 'utf8')) as Omit<Snapshot, 'version' | 'programMaps'> & { version: number; programMaps?: SavedContents[] };
      if ((read.version !== 1 && read.version !== 2) || !Array.isArray(read.maps) || !Array.isArray(read.programs)) throw new Error('unknown format');
      snapshot = { ...read, version: 2, programMaps: read.programMaps ?? [] };
    } catch (error) {
      const copy = `${this.file}.unreadable`;
      renameSync(this.file, copy);
      return [`${this.file}: ${(error as Error).message}; starting with no pins (the file is kept as ${copy})`];
    }
    const contents = new Map<number, Entries>();
    for (const m of [...snapshot.maps, ...snapshot.programMaps]) contents.set(m.id, m.entries);
    const newIds = new Map<number, number>();

    // Pinned programs first: their objects create their maps with BTF (pinned ones among them too).
    const byLoad = new Map<number, SavedProgram[]>();
    for (const p of snapshot.programs) byLoad.set(p.load, [...(byLoad.get(p.load) ?? []), p]);
    for (const group of byLoad.values()) {
      const first = group[0]!;
      const objectPath = join(this.objects, `${first.object}.o`);
      try {
        if (!/^[0-9a-f]{64}$/.test(String(first.object))) throw new Error(`'${String(first.object)}' is not the SHA-256 of a kept object`);
        const bytes = readFileSync(objectPath);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (sha256 !== first.object) throw new Error(`the kept copy ${objectPath} was changed (SHA-256 ${sha256}); not loaded`);
        const oldIds = new Map<string, number>();
        for (const p of group) for (const [name, id] of Object.entries(p.maps)) oldIds.set(name, id);
        const reuse = new Map<string, number>();
        for (const [name, oldId] of oldIds) if (newIds.has(oldId)) reuse.set(name, newIds.get(oldId)!);
        // Loaded as at first: every program verified again.
        const loaded = await this.runtime.loadObject(bytes, { name: basename(first.fileName), ...(first.type === undefined ? {} : { type: first.type }), execution: first.execution, reuseMaps: reuse });
        const programs = this.runtime.programs().filter((x) => loaded.programIds.includes(x.id));
        const kept: number[] = [];
        for (const p of group) {
          const match = programs.find((x) => x.name === p.name && x.section === p.section);
          if (!match) {
            report.push(`program ${p.path}: ${p.name} (${p.section}) is no longer in its object`);
            continue;
          }
          try {
            this.host.restorePin(p.path, 'program', match.id);
          } catch (error) {
            report.push(`program ${p.path}: ${(error as Error).message}`);
            continue;
          }
          this.runtime.retain(match.id);
          if (!kept.includes(match.id)) kept.push(match.id);
        }
        for (const id of loaded.programIds) if (!kept.includes(id)) this.runtime.release(id);
        if (kept.length === 0) {
          for (const id of loaded.mapIds) this.runtime.release(id);
          continue;
        }
        this.host.restoreLoad({ path: objectPath, fileName: first.fileName, bytes, sha256, type: first.type, execution: first.execution }, kept, loaded.mapIds);
        const live = this.runtime.maps();
        for (const mapId of loaded.mapIds) {
          const name = live.find((m) => m.id === mapId)?.name;
          const oldId = name === undefined ? undefined : oldIds.get(name);
          if (oldId === undefined || newIds.has(oldId)) continue;
          newIds.set(oldId, mapId);
          const saved = contents.get(oldId);
          if (saved) this.fill(mapId, saved, `map ${name} of ${first.fileName}`, report);
        }
      } catch (error) {
        report.push(`programs of ${first.fileName}: ${(error as Error).message}`);
      }
    }

    // Pinned maps: the map a restored program holds, or a new one with the saved contents.
    for (const saved of snapshot.maps) {
      try {
        const existing = newIds.get(saved.id);
        if (existing !== undefined) {
          this.runtime.retain(existing);
          this.host.restorePin(saved.path, 'map', existing);
          continue;
        }
        const shape = { type: saved.type, keySize: saved.keySize, valueSize: saved.valueSize, maxEntries: saved.maxEntries, name: saved.name, flags: saved.flags };
        let id: number;
        const btf = this.savedBtf(saved, report);
        try {
          id = this.runtime.createMap({ ...shape, ...btf });
        } catch (error) {
          if (btf.btf === undefined) throw error;
          // BTF that no longer fits (a type id out of range): the map still comes back, as bytes.
          report.push(`map ${saved.path}: its BTF is not restored, its entries show as bytes (${(error as Error).message})`);
          id = this.runtime.createMap(shape);
        }
        try {
          this.host.restorePin(saved.path, 'map', id);
        } catch (error) {
          this.runtime.release(id);
          throw error;
        }
        newIds.set(saved.id, id);
        this.fill(id, saved.entries, `map ${saved.path}`, report);
      } catch (error) {
        report.push(`map ${saved.path}: ${(error as Error).message}`);
      }
    }
    if (report.length > 0) {
      // The next snapshot will hold only what came back: the old one stays beside it for the user.
      const copy = join(this.file, '..', `pins-${snapshot.savedAt.replace(/[:.]/g, '-')}.json`);
      copyFileSync(this.file, copy);
      report.push(`the snapshot that named them is kept as ${copy}`);
    }
    return report;
  }
}
