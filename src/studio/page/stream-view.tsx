// A ring buffer's or perf event array's records as a live stream: on every change the service announces
// (programs writing records), the view asks for the records after the last one it has
// (/studio/maps/ID/records, src/studio/streams.ts, which consumes them from the map) and adds them, newest
// first. Records read as hex and text, or as one of the object's structs (chosen by the records' size
// when exactly one struct has it, or by the user). The view keeps the newest STREAM_KEEP records.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { MapInfo } from '../../client/api.ts';
import type { MapLayouts } from '../map-layouts.ts';
import type { StreamRead, StreamRecord } from '../streams.ts';
import { studio } from './api.ts';
import { Refs } from './lists.tsx';
import { mapVersions, programs } from './store.ts';
import { Table, type Column } from './table.tsx';
import { decode, fromHex, show, spacedHex, type Layout, type Value } from './values.ts';

const STREAM_KEEP = 10_000;

/** Printable ASCII of a record, other bytes as dots. */
function printable(hex: string): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) {
    const c = parseInt(hex.substr(i, 2), 16);
    out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return out;
}

function useRecords(mapId: number): { records: StreamRecord[]; last: number; dropped: number; error: string | undefined } {
  const [state, setState] = useState({ records: [] as StreamRecord[], last: 0, dropped: 0 });
  const [error, setError] = useState<string | undefined>(undefined);
  const version = mapVersions.value.get(mapId) ?? 0;
  const reading = useRef({ mapId, inFlight: false, dirty: false, last: 0 });

  useEffect(() => {
    reading.current = { mapId, inFlight: false, dirty: false, last: 0 };
    setState({ records: [], last: 0, dropped: 0 });
  }, [mapId]);

  useEffect(() => {
    const r = reading.current;
    const readNow = () => {
      r.inFlight = true;
      r.dirty = false;
      studio<StreamRead>(`maps/${mapId}/records?after=${r.last}`).then(
        (read) => {
          if (reading.current !== r) return;
          r.inFlight = false;
          setError(undefined);
          // Records between the last one we had and the oldest the service still keeps were dropped.
          const missed = read.records.length > 0 && read.oldest > r.last + 1 ? read.oldest - r.last - 1 : 0;
          r.last = read.last;
          if (read.records.length > 0 || missed > 0) {
            setState((s) => {
              const all = s.records.concat(read.records);
              const cut = Math.max(0, all.length - STREAM_KEEP);
              return { records: cut > 0 ? all.slice(cut) : all, last: read.last, dropped: s.dropped + missed + cut };
            });
          }
          if (r.dirty) readNow();
        },
        (e: Error) => {
          if (reading.current !== r) return;
          r.inFlight = false;
          setError(e.message);
        },
      );
    };
    if (r.inFlight) r.dirty = true;
    else readNow();
  }, [mapId, version]);
  return { ...state, error };
}

export function StreamView(props: { map: MapInfo; layouts: MapLayouts | undefined }) {
  const { map } = props;
  const perf = map.type === 'perf_event_array';
  const { records, last, dropped, error } = useRecords(map.id);
  const [showHex, setShowHex] = useState(false);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const types = props.layouts?.recordTypes ?? [];
  // By default, the one struct as long as the records (when exactly one is).
  const size = records.length > 0 ? records[0]!.data.length / 2 : undefined;
  const bySize = size === undefined ? [] : types.filter((t) => t.size === size);
  const auto = bySize.length === 1 ? bySize[0] : undefined;
  const layout: Layout | undefined = chosen === undefined ? auto : types.find((t) => t.typeName === chosen);

  const columns = useMemo(() => {
    const decoded = new WeakMap<StreamRecord, Value>();
    const valueOf = (r: StreamRecord): Value => {
      if (!decoded.has(r)) decoded.set(r, layout ? decode(layout, fromHex(r.data)) : null);
      return decoded.get(r)!;
    };
    const out: Column<StreamRecord>[] = [{ key: 'seq', title: '#', value: (r) => r.seq, numeric: true, width: '5em' }];
    if (perf) out.push({ key: 'cpu', title: 'CPU', value: (r) => r.cpu ?? 0, numeric: true, width: '4em' });
    out.push({ key: 'size', title: 'Bytes', value: (r) => r.data.length / 2, numeric: true, width: '5em' });
    if (layout?.kind === 'struct') {
      for (const f of layout.fields) {
        out.push({ key: `f.${f.name}`, title: f.name, numeric: f.layout.kind === 'int', value: (r) => {
          const v = valueOf(r);
          const x = v !== null && typeof v === 'object' && !Array.isArray(v) ? v[f.name] ?? null : null;
          return typeof x === 'number' ? x : show(x);
        } });
      }
    } else if (layout) out.push({ key: 'value', title: layout.typeName, value: (r) => show(valueOf(r)) });
    if (!layout || showHex) {
      out.push({ key: 'hex', title: 'Data (hex)', value: (r) => spacedHex(r.data), width: 'minmax(14em, 3fr)' });
      out.push({ key: 'text', title: 'Text', value: (r) => printable(r.data), width: 'minmax(8em, 1fr)' });
    }
    return out;
  }, [layout, showHex, perf]);

  const usedBy = programs.value.filter((p) => p.mapIds.includes(map.id)).map((p) => p.id);
  return (
    <section aria-labelledby="map-title" class="map-view">
      <h2 id="map-title">Map {map.id}: {map.name}</h2>
      <dl class="facts">
        <dt>Type</dt><dd>{map.type}</dd>
        <dt>{perf ? 'Ring size per CPU' : 'Ring size'}</dt><dd>{map.maxEntries} bytes</dd>
        <dt>Records received</dt><dd data-testid="stream-count">{last}</dd>
        <dt>Kept here</dt><dd>{records.length}{dropped > 0 ? ` (${dropped} older dropped)` : ''}</dd>
        <dt>Programs</dt><dd><Refs kind="program" ids={usedBy} /></dd>
        <dt>Pins</dt><dd>{map.pinnedPaths.join(', ') || '—'}</dd>
      </dl>
      <p class="muted">The Studio reads this map's records as they are written (it is their reader: each record is taken from the ring once, for every page).</p>
      {error ? <p role="alert" class="error">{error}</p> : null}
      <Table label={`Records of ${map.name}`} testId="stream-records" rows={records} columns={columns} rowKey={(r) => r.seq} initialSort={{ key: 'seq', descending: true }}
        empty="No record yet: records appear here as programs write them."
        toolbar={<>
          <label>Read as <select value={chosen ?? ''} data-testid="record-type" onChange={(e) => setChosen((e.target as HTMLSelectElement).value || undefined)}>
            <option value="">{auto ? `${auto.typeName} (by size)` : 'bytes'}</option>
            {auto ? <option value="(bytes)">bytes</option> : null}
            {types.map((t) => <option key={t.typeName} value={t.typeName}>{t.typeName} ({t.size} bytes)</option>)}
          </select></label>
          <label class="check"><input type="checkbox" checked={showHex} onChange={(e) => setShowHex((e.target as HTMLInputElement).checked)} /> Hex</label>
          <span class="live" aria-label="live stream">● live</span>
        </>} />
    </section>
  );
}
