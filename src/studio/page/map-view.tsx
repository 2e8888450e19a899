// One map's contents, live: the entries listed once, then on every change the service announces only
// what changed since (src/studio/entries.ts) patched into the rows, keys and values decoded through the
// map's BTF layout (struct fields as columns, nested values in the entry panel, text, enums by name,
// per-CPU values per CPU), hex on demand, and entries inserted, edited field by field (per-CPU maps: one
// group of inputs per CPU), or deleted. Queues and stacks list what they hold; ring buffers and perf
// event arrays are streams of records (stream-view.tsx). Times to first render and to apply an update
// are kept in `window.studioMetrics` (the browser tests log them).

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { MapEntry, MapInfo } from '../../client/api.ts';
import type { MapLayouts } from '../map-layouts.ts';
import { call, studio } from './api.ts';
import { Refs } from './lists.tsx';
import { StreamView } from './stream-view.tsx';
import { attempt, mapVersions, maps, platform, programs } from './store.ts';
import { Table, type Column } from './table.tsx';
import { decode, fromHex, leaves, leafText, parseHex, perCpuStride, show, spacedHex, toHex, writeLeaf, type Layout, type Value } from './values.ts';

/** Render timings the tests read: milliseconds from asking for entries to the rows drawn. */
export interface StudioMetrics {
  mapFirstRender: { mapId: number; entries: number; changed: number; fetchMs: number; totalMs: number }[];
  /** `changed`: entries the update brought (added, changed or removed). */
  mapUpdate: { mapId: number; entries: number; changed: number; fetchMs: number; totalMs: number }[];
}
declare global {
  interface Window {
    studioMetrics: StudioMetrics;
  }
}
window.studioMetrics = { mapFirstRender: [], mapUpdate: [] };


interface Row {
  readonly index: number;
  readonly entry: MapEntry;
}


function useLayouts(id: number): MapLayouts | undefined {
  const [layouts, setLayouts] = useState<MapLayouts | undefined>(undefined);
  const version = programs.value.length;
  useEffect(() => {
    let live = true;
    studio<MapLayouts>(`maps/${id}/layout`).then((l) => live && setLayouts(l), () => live && setLayouts({}));
    return () => { live = false; };
  }, [id, version]);
  return layouts;
}

/** What /studio/maps/ID/entries answers (src/studio/entries.ts). */
interface EntriesRead {
  readonly version: number;
  readonly full: boolean;
  readonly entries: MapEntry[];
  readonly removed: string[];
  readonly count: number;
}

/**
 * The map's entries, kept current: the first read lists them all; on every change of the map the view
 * asks only for what changed since the version it has and patches its rows (one read at a time; changes
 * during a read cost one more). Rows that did not change keep their decoded values.
 */
function useEntries(map: MapInfo | undefined): { rows: Row[] | undefined; error: string | undefined; onRendered: () => void } {
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const version = map ? mapVersions.value.get(map.id) ?? 0 : 0;
  const fresh = () => ({ inFlight: false, dirty: false, started: 0, fetchMs: 0, first: true, pendingMeasure: false, changed: 0, version: undefined as number | undefined, rows: [] as Row[], index: new Map<string, number>() });
  const state = useRef(fresh());
  const id = map?.id;

  useEffect(() => {
    state.current = fresh();
    setRows(undefined);
  }, [id]);

  useEffect(() => {
    if (id === undefined) return;
    const s = state.current;
    const fetchNow = () => {
      s.inFlight = true;
      s.dirty = false;
      const started = performance.now();
      studio<EntriesRead>(`maps/${id}/entries${s.version === undefined ? '' : `?since=${s.version}`}`).then(
        (read) => {
          if (state.current !== s) return; // another map is shown now
          s.inFlight = false;
          s.version = read.version;
          setError(undefined);
          let next = s.rows;
          if (read.full) {
            next = read.entries.map((entry, index) => ({ index, entry }));
            s.index = new Map(next.map((row, i) => [row.entry.key, i]));
          } else if (read.entries.length > 0 || read.removed.length > 0) {
            next = s.rows.slice();
            for (const entry of read.entries) {
              const at = s.index.get(entry.key);
              if (at === undefined) {
                s.index.set(entry.key, next.length);
                next.push({ index: next.length, entry });
              } else next[at] = { index: at, entry };
            }
            if (read.removed.length > 0) {
              const gone = new Set(read.removed);
              next = next.filter((row) => !gone.has(row.entry.key));
              s.index = new Map(next.map((row, i) => [row.entry.key, i]));
            }
          }
          if (next !== s.rows) {
            s.rows = next;
            s.started = started;
            s.fetchMs = performance.now() - started;
            s.changed = read.full ? read.entries.length : read.entries.length + read.removed.length;
            s.pendingMeasure = true;
            setRows(next);
          }
          if (s.dirty) fetchNow();
        },
        (e: Error) => {
          if (state.current !== s) return;
          s.inFlight = false;
          setError(e.message);
        },
      );
    };
    if (s.inFlight) s.dirty = true;
    else fetchNow();
  }, [id, version]);

  const onRendered = () => {
    const s = state.current;
    if (!s.pendingMeasure || !map || !rows) return;
    s.pendingMeasure = false;
    const { started, fetchMs, first, changed } = s;
    s.first = false;
    requestAnimationFrame(() => {
      const record = { mapId: map.id, entries: rows.length, changed, fetchMs: Math.round(fetchMs * 10) / 10, totalMs: Math.round((performance.now() - started) * 10) / 10 };
      (first ? window.studioMetrics.mapFirstRender : window.studioMetrics.mapUpdate).push(record);
    });
  };
  return { rows, error, onRendered };
}

/** The parts of a value: one per CPU for per-CPU maps, else the whole value. */
function valueParts(map: MapInfo, perCpu: boolean, hex: string): Uint8Array[] {
  const bytes = fromHex(hex);
  if (!perCpu) return [bytes];
  const stride = perCpuStride(map.valueSize);
  const out: Uint8Array[] = [];
  for (let at = 0; at + map.valueSize <= bytes.length; at += stride) out.push(bytes.subarray(at, at + map.valueSize));
  return out;
}

const STREAM_TYPES = new Set(['ringbuf', 'perf_event_array']);

export function MapView(props: { id: number }) {
  const map = maps.value.find((m) => m.id === props.id);
  const layouts = useLayouts(props.id);
  if (map && STREAM_TYPES.has(map.type)) return <StreamView key={map.id} map={map} layouts={layouts} />;
  return <EntriesView id={props.id} map={map} layouts={layouts} />;
}

function EntriesView(props: { id: number; map: MapInfo | undefined; layouts: MapLayouts | undefined }) {
  const { map, layouts } = props;
  const { rows, error, onRendered } = useEntries(map);
  const [showHex, setShowHex] = useState(false);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [creating, setCreating] = useState(false);
  const typeInfo = platform.value?.mapTypes.find((t) => t.name === map?.type);
  const keyless = typeInfo?.keyless ?? false;
  const perCpu = (typeInfo?.perCpu ?? false) && !keyless;
  const keyLayout = layouts?.key;
  const valueLayout = layouts?.value;

  const columns = useMemo(() => {
    if (!map) return [];
    // Rows are decoded when first drawn or sorted, once for these columns: a layout or the platform's
    // per-CPU flag arriving later makes new columns, and with them a new cache.
    const decodedKeys = new WeakMap<Row, Value>();
    const decodedValues = new WeakMap<Row, Value>();
    const keyOf = (r: Row): Value => {
      if (!decodedKeys.has(r)) decodedKeys.set(r, keyLayout ? decode(keyLayout, fromHex(r.entry.key)) : ((r.entry.decodedKey as Value | undefined) ?? spacedHex(r.entry.key)));
      return decodedKeys.get(r)!;
    };
    const valueOf = (r: Row): Value => {
      if (!decodedValues.has(r)) {
        const parts = valueParts(map, perCpu, r.entry.value);
        const one = (bytes: Uint8Array) => (valueLayout ? decode(valueLayout, bytes) : spacedHex(toHex(bytes)));
        decodedValues.set(r, valueLayout || perCpu ? (perCpu ? parts.map(one) : one(parts[0]!)) : ((r.entry.decodedValue as Value | undefined) ?? spacedHex(r.entry.value)));
      }
      return decodedValues.get(r)!;
    };
    const sortable = (v: Value): string | number => (typeof v === 'number' ? v : show(v));
    const out: Column<Row>[] = [];
    if (keyless) out.push({ key: '#', title: '#', value: (r) => r.index, numeric: true, width: '5em' });
    else if (keyLayout?.kind === 'struct') {
      for (const f of keyLayout.fields) out.push({ key: `k.${f.name}`, title: `key.${f.name}`, value: (r) => sortable((keyOf(r) as Record<string, Value>)[f.name] ?? null) });
    } else out.push({ key: 'key', title: keyLayout ? `Key (${keyLayout.typeName})` : 'Key', value: (r) => sortable(keyOf(r)), numeric: keyLayout?.kind === 'int' });
    const field = (v: Value, name: string) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v[name] ?? null : null);
    if (valueLayout?.kind === 'struct' && !keyless) {
      for (const f of valueLayout.fields) {
        out.push({
          key: `v.${f.name}`, title: f.name, numeric: f.layout.kind === 'int' && !perCpu,
          value: (r) => {
            const v = valueOf(r);
            return perCpu ? (v as Value[]).map((p) => show(field(p, f.name))).join(' | ') : sortable(field(v, f.name));
          },
        });
      }
    } else {
      out.push({ key: 'value', title: perCpu ? `Value per CPU (${valueLayout?.typeName ?? 'bytes'})` : valueLayout ? `Value (${valueLayout.typeName})` : 'Value', value: (r) => {
        const v = valueOf(r);
        return perCpu ? (v as Value[]).map(show).join(' | ') : sortable(v);
      }, width: 'minmax(12em, 3fr)' });
    }
    if (showHex) {
      if (!keyless) out.push({ key: 'khex', title: 'Key (hex)', value: (r) => spacedHex(r.entry.key), width: 'minmax(8em, 1.5fr)' });
      out.push({ key: 'vhex', title: 'Value (hex)', value: (r) => spacedHex(r.entry.value), width: 'minmax(12em, 3fr)' });
    }
    return out;
  }, [map?.id, keyLayout, valueLayout, showHex, perCpu, keyless]);

  if (!map) return <section><h2>Map {props.id}</h2><p role="alert">Map {props.id} does not exist (any more).</p><a href="#maps">All maps</a></section>;
  const usedBy = programs.value.filter((p) => p.mapIds.includes(map.id)).map((p) => p.id);
  const selectedRow = rows?.find((r) => r.entry.key === selected);

  return (
    <section aria-labelledby="map-title" class="map-view">
      <h2 id="map-title">Map {map.id}: {map.name}</h2>
      <dl class="facts">
        <dt>Type</dt><dd>{map.type}</dd>
        <dt>Key / value size</dt><dd>{map.keySize} / {map.valueSize} bytes</dd>
        <dt>Max entries</dt><dd>{map.maxEntries}</dd>
        <dt>Entries now</dt><dd data-testid="map-entry-count">{rows ? rows.length : '…'}</dd>
        <dt>Programs</dt><dd><Refs kind="program" ids={usedBy} /></dd>
        <dt>Pins</dt><dd>{map.pinnedPaths.join(', ') || '—'}</dd>
        <dt>Types</dt><dd>{keyLayout || valueLayout ? `BTF from ${layouts?.from}` : map.typed ? 'BTF (decoded by the service)' : 'none: bytes only'}</dd>
      </dl>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {rows === undefined ? <p aria-busy="true">Reading entries…</p> : (
        <div class="split">
          <Table label={`Entries of ${map.name}`} testId="map-entries" rows={rows} columns={columns} rowKey={(r) => (keyless ? r.index : r.entry.key)} selectedKey={keyless ? undefined : selected}
            onOpen={(r) => { if (!keyless) { setSelected(r.entry.key); setCreating(false); } }} onRendered={onRendered} empty={keyless ? 'Nothing queued.' : 'The map is empty.'}
            toolbar={<>
              <label class="check"><input type="checkbox" checked={showHex} onChange={(e) => setShowHex((e.target as HTMLInputElement).checked)} /> Hex</label>
              {keyless ? <span class="live" aria-label="live stream">● live</span> : <button type="button" onClick={() => { setCreating(true); setSelected(undefined); }}>New entry</button>}
            </>} />
          {creating || selectedRow ? (
            <EntryPanel key={creating ? 'new' : selected} map={map} perCpu={perCpu} cpuCount={rows[0] ? valueParts(map, true, rows[0].entry.value).length : platform.value?.cpuCount ?? 1} keyLayout={keyLayout} valueLayout={valueLayout} entry={creating ? undefined : selectedRow?.entry}
              onClose={() => { setCreating(false); setSelected(undefined); }} onSaved={(key) => { setCreating(false); setSelected(key); }} />
          ) : null}
        </div>
      )}
    </section>
  );
}

/** A decoded value as a tree: structs and arrays expandable. */
function Tree(props: { value: Value; name: string; open?: boolean }) {
  const v = props.value;
  if (v === null || typeof v !== 'object') return <div class="leaf"><span class="field">{props.name}</span> = <span class="val">{show(v)}</span></div>;
  const entries = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x] as const) : Object.entries(v);
  return (
    <details open={props.open ?? entries.length <= 16}>
      <summary><span class="field">{props.name}</span> <span class="muted">{Array.isArray(v) ? `[${v.length}]` : '{…}'}</span></summary>
      <div class="children">{entries.map(([k, x]) => <Tree key={k} name={k} value={x} />)}</div>
    </details>
  );
}

/** Inputs for every leaf of a layout over `bytes` (or one hex input when there is no layout). */
function FieldInputs(props: { layout: Layout | undefined; size: number; bytes: Uint8Array; prefix: string; texts: Record<string, string>; setText: (name: string, text: string) => void }) {
  if (!props.layout) {
    const name = `${props.prefix}hex`;
    return <label class="field-input"><span>{props.prefix || 'bytes'} (hex, {props.size} bytes)</span><input value={props.texts[name] ?? spacedHex(toHex(props.bytes))} onInput={(e) => props.setText(name, (e.target as HTMLInputElement).value)} data-field={name} /></label>;
  }
  return (
    <>
      {leaves(props.layout).map((leaf) => {
        const name = `${props.prefix}${leaf.path}`;
        const value = props.texts[name] ?? leafText(leaf, props.bytes);
        const onInput = (e: Event) => props.setText(name, (e.target as HTMLInputElement | HTMLSelectElement).value);
        return (
          <label class="field-input" key={name}>
            <span>{name} <span class="muted">{leaf.layout.typeName}</span></span>
            {leaf.layout.kind === 'enum' ? (
              <select value={value} onChange={onInput} data-field={name}>
                {leaf.layout.values.map((v) => <option key={v.name} value={v.name}>{v.name} ({v.value})</option>)}
                {leaf.layout.values.some((v) => v.name === value) ? null : <option value={value}>{value}</option>}
              </select>
            ) : <input value={value} onInput={onInput} data-field={name} />}
          </label>
        );
      })}
    </>
  );
}

/** Applies typed texts to a copy of `bytes` through a layout (or the hex text). */
function applyTexts(layout: Layout | undefined, size: number, bytes: Uint8Array, prefix: string, texts: Record<string, string>): Uint8Array {
  const hex = texts[`${prefix}hex`];
  if (!layout) return hex === undefined ? bytes.slice() : parseHex(hex, size, prefix || 'value');
  const out = bytes.slice();
  for (const leaf of leaves(layout)) {
    const text = texts[`${prefix}${leaf.path}`];
    if (text === undefined) continue;
    try {
      writeLeaf(leaf, out, text);
    } catch (error) {
      // Named as its input is (`cpu1.runs`, `key.port`).
      throw new Error(`${prefix}${(error as Error).message}`);
    }
  }
  return out;
}

function EntryPanel(props: { map: MapInfo; perCpu: boolean; cpuCount: number; keyLayout: Layout | undefined; valueLayout: Layout | undefined; entry: MapEntry | undefined; onClose: () => void; onSaved: (key: string) => void }) {
  const { map, perCpu, entry } = props;
  const [editing, setEditing] = useState(entry === undefined);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const keyBytes = entry ? fromHex(entry.key) : new Uint8Array(map.keySize);
  const parts = entry ? valueParts(map, perCpu, entry.value) : perCpu ? [new Uint8Array(map.valueSize)] : [new Uint8Array(map.valueSize)];
  const setText = (name: string, text: string) => setTexts((t) => ({ ...t, [name]: text }));

  const save = async (event: Event) => {
    event.preventDefault();
    let key: Uint8Array;
    let value: Uint8Array;
    try {
      key = entry ? keyBytes : applyTexts(props.keyLayout, map.keySize, keyBytes, 'key.', texts);
      const newParts = parts.map((p, cpu) => applyTexts(props.valueLayout, map.valueSize, p, perCpu ? `cpu${cpu}.` : '', texts));
      if (perCpu) {
        // A per-CPU update writes every CPU's slot; an insert through the page sets the same value on each.
        const stride = perCpuStride(map.valueSize);
        const cpus = entry ? newParts.length : props.cpuCount;
        value = new Uint8Array(stride * cpus);
        for (let cpu = 0; cpu < cpus; cpu++) value.set(newParts[Math.min(cpu, newParts.length - 1)]!, cpu * stride);
      } else value = newParts[0]!;
    } catch (error) {
      setProblem((error as Error).message);
      return;
    }
    setProblem(undefined);
    const done = await attempt(() => call('maps.update', { id: map.id, key: toHex(key), value: toHex(value) }));
    if (done) {
      setEditing(false);
      setTexts({});
      props.onSaved(toHex(key));
    }
  };

  const remove = async () => {
    if (!entry) return;
    if (await attempt(() => call('maps.delete', { id: map.id, key: entry.key }))) props.onClose();
  };

  return (
    <aside class="panel entry" aria-label={entry ? 'Entry' : 'New entry'} data-testid="entry-panel">
      <header><h3>{entry ? 'Entry' : 'New entry'}</h3><button type="button" class="close" aria-label="Close entry" onClick={props.onClose}>×</button></header>
      {entry && !editing ? (
        <>
          <Tree name="key" value={props.keyLayout ? decode(props.keyLayout, keyBytes) : ((entry.decodedKey as Value) ?? spacedHex(entry.key))} />
          {parts.map((p, cpu) => <Tree key={cpu} name={perCpu ? `value (CPU ${cpu})` : 'value'} value={props.valueLayout ? decode(props.valueLayout, p) : ((!perCpu && (entry.decodedValue as Value)) || spacedHex(toHex(p)))} />)}
          <p class="hex"><span class="muted">key</span> {spacedHex(entry.key)}<br /><span class="muted">value</span> {spacedHex(entry.value)}</p>
          <div class="buttons"><button type="button" onClick={() => setEditing(true)} data-testid="entry-edit">Edit</button><button type="button" class="danger" onClick={remove}>Delete</button></div>
        </>
      ) : (
        <form onSubmit={save} aria-label="Edit entry">
          {entry ? <p class="muted">Key {spacedHex(entry.key)}</p> : <fieldset><legend>Key</legend><FieldInputs layout={props.keyLayout} size={map.keySize} bytes={keyBytes} prefix="key." texts={texts} setText={setText} /></fieldset>}
          {parts.map((p, cpu) => (
            <fieldset key={cpu}><legend>{perCpu ? `Value on CPU ${cpu}` : 'Value'}</legend>
              <FieldInputs layout={props.valueLayout} size={map.valueSize} bytes={p} prefix={perCpu ? `cpu${cpu}.` : ''} texts={texts} setText={setText} />
            </fieldset>
          ))}
          {problem ? <p role="alert" class="error">{problem}</p> : null}
          <div class="buttons"><button type="submit" data-testid="entry-save">Save</button>{entry ? <button type="button" onClick={() => { setEditing(false); setTexts({}); }}>Cancel</button> : null}</div>
        </form>
      )}
    </aside>
  );
}

/** Creating a map through the API (it is pinned, as `map create` pins it). */
export function CreateMapPanel() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: '', type: 'hash', keySize: '4', valueSize: '8', maxEntries: '1024', pinPath: '' });
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const create = async (event: Event) => {
    event.preventDefault();
    const created = await attempt(() => call('maps.create', { name: form.name, type: form.type, keySize: Number(form.keySize), valueSize: Number(form.valueSize), maxEntries: Number(form.maxEntries), pinPath: form.pinPath || form.name }));
    if (created) {
      setOpen(false);
      location.hash = `#map/${created.id}`;
    }
  };
  if (!open) return <div class="panel-toggle"><button type="button" onClick={() => setOpen(true)}>Create a map…</button></div>;
  return (
    <form class="panel load" aria-label="Create a map" onSubmit={create}>
      <label>Name <input required value={form.name} onInput={set('name')} /></label>
      <label>Type <select value={form.type} onChange={set('type')}>{platform.value?.mapTypes.filter((t) => t.name !== 'unspec').map((t) => <option key={t.name}>{t.name}</option>)}</select></label>
      <label>Key size <input type="number" min="0" value={form.keySize} onInput={set('keySize')} /></label>
      <label>Value size <input type="number" min="1" value={form.valueSize} onInput={set('valueSize')} /></label>
      <label>Max entries <input type="number" min="1" value={form.maxEntries} onInput={set('maxEntries')} /></label>
      <label>Pin path <input placeholder="BPF:\name" value={form.pinPath} onInput={set('pinPath')} /></label>
      <button type="submit">Create</button>
      <button type="button" onClick={() => setOpen(false)}>Cancel</button>
    </form>
  );
}
