// A map's entries for the page, and after that only what changed. The service announces that a map
// changed, not which entries (test runs and hooked programs write maps without saying which keys), so
// the Studio keeps the last listing of each map the page follows as a snapshot with a version, and on a
// change compares the map with it: entries in the same iteration order as before are compared in place
// (an update of a value, or a key added at the end, costs one walk of the bytes), anything else by key.
// The page then receives only the entries added or changed and the keys removed since the version it
// has, instead of the whole map again, and no decoding is done for what the page decodes through BTF
// itself. A page whose version is unknown (first read, evicted snapshot) receives everything.

import { ApiError, type MapEntry } from '../client/api.ts';
import { windowsPlatform } from '../platform/index.ts';
import type { ServiceHost } from '../service/host.ts';

/** The answer to a read: every entry (`full`), or those added or changed and the keys removed since `since`. */
export interface EntriesRead {
  /** The version of the map's contents this answer brings the page to. */
  readonly version: number;
  readonly full: boolean;
  readonly entries: MapEntry[];
  /** Keys (hex) removed since `since` (only when not full). */
  readonly removed: string[];
  /** Entries in the map now. */
  readonly count: number;
}

interface Step {
  readonly version: number;
  /** Keys (latin1 strings of their bytes) added, changed or removed in this step. */
  readonly keys: readonly string[];
}

interface Snapshot {
  version: number;
  /** The oldest version a page may ask from: the one before the first kept step. */
  base: number;
  keys: Uint8Array[];
  values: Uint8Array[];
  steps: Step[];
  usedAt: number;
}

/** Maps followed at once (each keeps its last listing). */
const SNAPSHOTS = 8;
/** Steps kept per map, and keys over all of them: a page further behind receives everything. */
const STEPS = 64;
const STEP_KEYS = 100_000;

const keylessTypes = new Set(windowsPlatform.mapTypes.filter((t) => t.keyless).map((t) => t.displayName));

const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Hex of a key or value (keys and values are short: a table beats a Buffer per entry). */
function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What changed from `before` to `now`: keys (latin1) added, changed or removed. Entries still in the
 * same place are compared in place; from the first difference of keys on, the rest is matched by key.
 */
export function changedKeys(before: { keys: Uint8Array[]; values: Uint8Array[] }, now: { key: Uint8Array; value: Uint8Array }[]): string[] {
  const out: string[] = [];
  const shared = Math.min(before.keys.length, now.length);
  let i = 0;
  for (; i < shared && same(before.keys[i]!, now[i]!.key); i++) if (!same(before.values[i]!, now[i]!.value)) out.push(text(now[i]!.key));
  if (i === before.keys.length && i === now.length) return out;
  const rest = new Map<string, number>();
  for (let j = i; j < before.keys.length; j++) rest.set(text(before.keys[j]!), j);
  for (let j = i; j < now.length; j++) {
    const key = text(now[j]!.key);
    const was = rest.get(key);
    if (was === undefined) out.push(key);
    else {
      rest.delete(key);
      if (!same(before.values[was]!, now[j]!.value)) out.push(key);
    }
  }
  for (const key of rest.keys()) out.push(key);
  return out;
}

/** The snapshots of one service's maps. */
export class MapSnapshots {
  private readonly snapshots = new Map<number, Snapshot>();
  private counter = 0;

  /** `decodes(mapId)` says whether the page needs the service's decoding of keys and values (no BTF layout of its own). */
  constructor(private readonly host: ServiceHost, private readonly decodes: (mapId: number) => { key: boolean; value: boolean }) {}

  private entry(mapId: number, key: Uint8Array, value: Uint8Array, decode: { key: boolean; value: boolean }): MapEntry {
    const decodedKey = decode.key ? this.host.runtime.decode(mapId, 'key', key) : undefined;
    const decodedValue = decode.value ? this.host.runtime.decode(mapId, 'value', value) : undefined;
    return { key: hex(key), value: hex(value), ...(decodedKey === undefined ? {} : { decodedKey }), ...(decodedValue === undefined ? {} : { decodedValue }) };
  }

  /** Up to `limit` entries of map `mapId`: all of them, or what changed since version `since`. */
  read(mapId: number, since: number | undefined, limit: number): EntriesRead {
    const maps = this.host.mapList();
    for (const id of this.snapshots.keys()) if (!maps.some((m) => m.id === id)) this.snapshots.delete(id);
    const map = maps.find((m) => m.id === mapId);
    if (!map) throw new ApiError('NOT_FOUND', `no map with id ${mapId}`);
    const now = this.host.runtime.entries(mapId, limit);
    // Maps without BTF (made through the API) have nothing to decode.
    const decode = map.typed ? this.decodes(mapId) : { key: false, value: false };
    const all = (version: number): EntriesRead => ({ version, full: true, entries: now.map((e) => this.entry(mapId, e.key, e.value, decode)), removed: [], count: now.length });
    // Queues, stacks and record streams have no keys to compare by: they are always listed whole.
    if (keylessTypes.has(map.type)) return all(++this.counter);

    let snapshot = this.snapshots.get(mapId);
    if (!snapshot) {
      if (this.snapshots.size >= SNAPSHOTS) {
        const oldest = [...this.snapshots].sort((a, b) => a[1].usedAt - b[1].usedAt)[0]!;
        this.snapshots.delete(oldest[0]);
      }
      const version = ++this.counter;
      this.snapshots.set(mapId, { version, base: version, keys: now.map((e) => e.key), values: now.map((e) => e.value), steps: [], usedAt: performance.now() });
      return all(version);
    }
    snapshot.usedAt = performance.now();
    const changed = changedKeys(snapshot, now);
    if (changed.length > 0) {
      snapshot.version = ++this.counter;
      snapshot.keys = now.map((e) => e.key);
      snapshot.values = now.map((e) => e.value);
      snapshot.steps.push({ version: snapshot.version, keys: changed });
      let kept = snapshot.steps.reduce((n, s) => n + s.keys.length, 0);
      while (snapshot.steps.length > STEPS || (kept > STEP_KEYS && snapshot.steps.length > 0)) {
        const dropped = snapshot.steps.shift()!;
        kept -= dropped.keys.length;
        snapshot.base = dropped.version;
      }
    }
    if (since === undefined || !(since === snapshot.base || snapshot.steps.some((s) => s.version === since))) return all(snapshot.version);
    const keys = new Set<string>();
    for (const step of snapshot.steps) if (step.version > since) for (const key of step.keys) keys.add(key);
    if (keys.size === 0) return { version: snapshot.version, full: false, entries: [], removed: [], count: now.length };
    const at = new Map<string, number>();
    if (keys.size <= 16) {
      // A few keys: found by their bytes in one walk (cheaper than a text key for every entry).
      const wanted = new Map([...keys].map((k) => [k, Buffer.from(k, 'latin1')] as const));
      for (let i = 0; i < now.length && at.size < wanted.size; i++) {
        for (const [k, bytes] of wanted) if (!at.has(k) && same(now[i]!.key, bytes)) at.set(k, i);
      }
    } else {
      for (let i = 0; i < now.length; i++) {
        const k = text(now[i]!.key);
        if (keys.has(k)) at.set(k, i);
      }
    }
    const entries: MapEntry[] = [];
    const removed: string[] = [];
    for (const key of keys) {
      const i = at.get(key);
      if (i === undefined) removed.push(Buffer.from(key, 'latin1').toString('hex'));
      else entries.push(this.entry(mapId, now[i]!.key, now[i]!.value, decode));
    }
    return { version: snapshot.version, full: false, entries, removed, count: now.length };
  }
}
