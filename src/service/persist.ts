// Persistence of the pinning namespace: pinned maps with their contents, and pinned programs with a copy
// of the object file they came from (loaded and verified again on restore). A snapshot is written at
// most once a second while anything changed, atomically (state/pins.json), so a kill -9 loses at most
// the last second and never leaves a half-written file to read back.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceEvent } from '../client/api.ts';
import type { RuntimeBackend } from './backend.ts';
import { ensurePrivateDir, writeFileAtomic } from './home.ts';
import type { ServiceHost } from './host.ts';

interface SavedMap {
  path: string;
  id: number;
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  entries: [string, string][];
}

interface SavedProgram {
  path: string;
  /** First program id of the load it came from: programs of one load are restored by one load. */
  load: number;
  object: string;
  fileName: string;
  type?: string;
  execution: 'jit' | 'interpret';
  name: string;
  section: string;
  /** The program's maps: name -> id before the restart. */
  maps: Record<string, number>;
}

interface Snapshot {
  version: 1;
  savedAt: string;
  maps: SavedMap[];
  programs: SavedProgram[];
}

const SNAPSHOT_EVERY_MS = 1000;

/** Problems met while restoring, one line each (the service logs them and goes on). */
export type RestoreReport = string[];

/** Saves and restores a host's pins in `stateDir`. */
export class PinStore {
  private readonly file: string;
  private readonly objects: string;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onEvent = (event: ServiceEvent) => this.observe(event);
  private readonly objectOf = new Map<number, string>(); // program id -> object sha

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
    this.save();
  }

  private observe(event: ServiceEvent): void {
    if (event.type === 'trace' || event.type === 'link-attached' || event.type === 'link-detached') return;
    if (event.type === 'pinned' && event.kind === 'program' && !this.objectOf.has(event.id)) this.keepObject(event.id);
    this.dirty = true;
  }

  /** Copies a pinned program's object file into the state directory, named by its SHA-256. */
  private keepObject(programId: number): void {
    const load = this.host.loadOf(programId);
    if (!load) return;
    let bytes: Buffer;
    try {
      bytes = readFileSync(load.path);
    } catch (error) {
      // The pin stands; only its survival of a restart is lost, and the log says so.
      process.stderr.write(`ebpf service: cannot keep ${load.path} for pinned program ${programId}: ${(error as Error).message}\n`);
      return;
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    const path = join(this.objects, `${sha}.o`);
    if (!existsSync(path)) writeFileAtomic(path, bytes);
    for (const id of load.programIds) this.objectOf.set(id, sha);
  }

  private flushIfDirty(): void {
    if (!this.dirty) return;
    try {
      this.save();
    } catch (error) {
      process.stderr.write(`ebpf service: could not save pins: ${(error as Error).message}\n`);
    }
  }

  /** Writes the snapshot now. */
  save(): void {
    this.dirty = false;
    const pins = this.host.pinList();
    const maps = this.host.mapList();
    const programs = this.host.programList();
    const snapshot: Snapshot = { version: 1, savedAt: new Date().toISOString(), maps: [], programs: [] };
    for (const pin of pins) {
      if (pin.kind === 'map') {
        const m = maps.find((x) => x.id === pin.id);
        if (!m) continue;
        const entries = this.runtime.entries(m.id, Number.MAX_SAFE_INTEGER).map((e): [string, string] => [Buffer.from(e.key).toString('hex'), Buffer.from(e.value).toString('hex')]);
        snapshot.maps.push({ path: pin.path, id: m.id, name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, entries });
        continue;
      }
      const p = programs.find((x) => x.id === pin.id);
      const load = this.host.loadOf(pin.id);
      if (!p || !load) continue;
      if (!this.objectOf.has(p.id)) this.keepObject(p.id);
      if (!this.objectOf.has(p.id)) continue;
      const mapNames: Record<string, number> = {};
      for (const id of p.mapIds) {
        const m = maps.find((x) => x.id === id);
        if (m) mapNames[m.name] = id;
      }
      snapshot.programs.push({
        path: pin.path, load: Math.min(...load.programIds), object: this.objectOf.get(p.id)!, fileName: load.fileName, ...(load.type === undefined ? {} : { type: load.type }),
        execution: load.execution, name: p.name, section: p.section, maps: mapNames,
      });
    }
    writeFileAtomic(this.file, JSON.stringify(snapshot));
  }

  /** Restores the last snapshot into an empty host; what could not be restored is reported, not fatal. */
  async restore(): Promise<RestoreReport> {
    const report: RestoreReport = [];
    if (!existsSync(this.file)) return report;
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(readFileSync(this.file, 'utf8')) as Snapshot;
      if (snapshot.version !== 1 || !Array.isArray(snapshot.maps) || !Array.isArray(snapshot.programs)) throw new Error('unknown format');
    } catch (error) {
      return [`${this.file}: ${(error as Error).message}; starting with no pins`];
    }
    const newIds = new Map<number, number>();
    for (const saved of snapshot.maps) {
      try {
        const id = newIds.get(saved.id) ?? this.runtime.createMap(saved);
        if (!newIds.has(saved.id)) {
          newIds.set(saved.id, id);
          for (const [k, v] of saved.entries) this.runtime.update(id, Buffer.from(k, 'hex'), Buffer.from(v, 'hex'), 0);
          this.host.restorePin(saved.path, 'map', id);
        } else {
          this.runtime.retain(id);
          this.host.restorePin(saved.path, 'map', id);
        }
      } catch (error) {
        report.push(`map ${saved.path}: ${(error as Error).message}`);
      }
    }
    const byLoad = new Map<number, SavedProgram[]>();
    for (const p of snapshot.programs) byLoad.set(p.load, [...(byLoad.get(p.load) ?? []), p]);
    for (const group of byLoad.values()) {
      const first = group[0]!;
      const objectPath = join(this.objects, `${first.object}.o`);
      try {
        const reuse = new Map<string, number>();
        for (const p of group) for (const [name, oldId] of Object.entries(p.maps)) if (newIds.has(oldId)) reuse.set(name, newIds.get(oldId)!);
        const loaded = await this.runtime.loadObject(objectPath, { ...(first.type === undefined ? {} : { type: first.type }), execution: first.execution, reuseMaps: reuse });
        const programs = this.runtime.programs().filter((x) => loaded.programIds.includes(x.id));
        const kept: number[] = [];
        for (const p of group) {
          const match = programs.find((x) => x.name === p.name && x.section === p.section);
          if (!match) {
            report.push(`program ${p.path}: ${p.name} (${p.section}) is no longer in its object`);
            continue;
          }
          if (!kept.includes(match.id)) kept.push(match.id);
          this.runtime.retain(match.id);
          this.host.restorePin(p.path, 'program', match.id);
          this.objectOf.set(match.id, first.object);
        }
        for (const id of loaded.programIds) if (!kept.includes(id)) this.runtime.release(id);
        if (kept.length === 0) for (const id of loaded.mapIds) this.runtime.release(id);
        else this.host.restoreLoad({ path: objectPath, fileName: first.fileName, type: first.type, execution: first.execution }, kept, loaded.mapIds);
      } catch (error) {
        report.push(`programs of ${first.fileName}: ${(error as Error).message}`);
      }
    }
    return report;
  }
}
