// The four live tables (Programs, Maps, Links, Pins), with links between them: a program's maps, links
// and pins, a map's programs, a link's program, a pin's object.

import type { ComponentChild } from 'preact';
import { useMemo } from 'preact/hooks';
import type { LinkInfo, MapInfo, PinInfo, ProgramInfo } from '../../client/api.ts';
import { LoadPanel } from './load.tsx';
import { CreateMapPanel } from './map-view.tsx';
import { go } from './route.ts';
import { links, maps, pins, programs } from './store.ts';
import { Table, type Column } from './table.tsx';

/** Links to several objects (`3, 4`), each opening its page. */
export function Refs(props: { kind: 'program' | 'map'; ids: readonly number[] }): ComponentChild {
  if (props.ids.length === 0) return <span class="muted">—</span>;
  return (
    <span>
      {props.ids.map((id, i) => (
        <span key={id}>{i > 0 ? ', ' : ''}<a href={`#${props.kind}/${id}`} onClick={(e) => e.stopPropagation()} aria-label={`${props.kind} ${id}`}>{id}</a></span>
      ))}
    </span>
  );
}

const nsPerRun = (p: ProgramInfo) => (p.runCount === 0 ? 0 : Math.round(p.runTimeNs / p.runCount));

const programColumns: Column<ProgramInfo>[] = [
  { key: 'id', title: 'ID', value: (p) => p.id, numeric: true, width: '4em' },
  { key: 'name', title: 'Name', value: (p) => p.name, render: (p) => <a href={`#program/${p.id}`}>{p.name}</a>, width: 'minmax(8em, 1.4fr)' },
  { key: 'type', title: 'Type', value: (p) => p.type, width: '7em' },
  { key: 'mode', title: 'Mode', value: (p) => p.mode, width: '6em' },
  { key: 'section', title: 'Section', value: (p) => p.section },
  { key: 'file', title: 'File', value: (p) => p.fileName },
  { key: 'maps', title: 'Maps', value: (p) => p.mapIds.join(','), render: (p) => <Refs kind="map" ids={p.mapIds} /> },
  { key: 'links', title: 'Links', value: (p) => p.linkIds.length, numeric: true, width: '5em' },
  { key: 'pins', title: 'Pins', value: (p) => p.pinnedPaths.join(' '), render: (p) => <span title={p.pinnedPaths.join('\n')}>{p.pinnedPaths.length}</span>, width: '4em' },
  { key: 'runs', title: 'Runs', value: (p) => p.runCount, numeric: true, width: '7em' },
  { key: 'ns', title: 'ns/run', value: nsPerRun, numeric: true, width: '6em' },
];

export function ProgramsView() {
  return (
    <section aria-labelledby="programs-title">
      <h2 id="programs-title">Programs</h2>
      <LoadPanel />
      <Table label="Programs" testId="programs-table" rows={programs.value} columns={programColumns} rowKey={(p) => p.id} onOpen={(p) => go(`program/${p.id}`)} initialSort={{ key: 'id' }} empty="No program is loaded. Load an object file above." />
    </section>
  );
}

export function MapsView() {
  const list = programs.value;
  const usedBy = useMemo(() => {
    const out = new Map<number, number[]>();
    for (const p of list) for (const m of p.mapIds) out.set(m, [...(out.get(m) ?? []), p.id]);
    return out;
  }, [list]);
  const columns: Column<MapInfo>[] = [
    { key: 'id', title: 'ID', value: (m) => m.id, numeric: true, width: '4em' },
    { key: 'name', title: 'Name', value: (m) => m.name, render: (m) => <a href={`#map/${m.id}`}>{m.name}</a>, width: 'minmax(8em, 1.4fr)' },
    { key: 'type', title: 'Type', value: (m) => m.type },
    { key: 'key', title: 'Key size', value: (m) => m.keySize, numeric: true, width: '6em' },
    { key: 'value', title: 'Value size', value: (m) => m.valueSize, numeric: true, width: '6em' },
    { key: 'max', title: 'Max entries', value: (m) => m.maxEntries, numeric: true, width: '7em' },
    { key: 'programs', title: 'Programs', value: (m) => (usedBy.get(m.id) ?? []).join(','), render: (m) => <Refs kind="program" ids={usedBy.get(m.id) ?? []} /> },
    { key: 'pins', title: 'Pins', value: (m) => m.pinnedPaths.join(' '), render: (m) => <span title={m.pinnedPaths.join('\n')}>{m.pinnedPaths.join(', ') || '—'}</span> },
    { key: 'typed', title: 'BTF', value: (m) => (m.typed ? 'yes' : 'no'), width: '4em' },
  ];
  return (
    <section aria-labelledby="maps-title">
      <h2 id="maps-title">Maps</h2>
      <CreateMapPanel />
      <Table label="Maps" testId="maps-table" rows={maps.value} columns={columns} rowKey={(m) => m.id} onOpen={(m) => go(`map/${m.id}`)} initialSort={{ key: 'id' }} empty="No map exists." />
    </section>
  );
}

const linkColumns: Column<LinkInfo>[] = [
  { key: 'id', title: 'ID', value: (l) => l.id, numeric: true, width: '4em' },
  { key: 'program', title: 'Program', value: (l) => l.programId, render: (l) => <Refs kind="program" ids={[l.programId]} /> },
  { key: 'name', title: 'Program name', value: (l) => programs.value.find((p) => p.id === l.programId)?.name ?? '' },
  { key: 'attach', title: 'Attach type', value: (l) => l.attachType },
  { key: 'param', title: 'Parameter', value: (l) => (l.interfaceIndex !== undefined ? `interface ${l.interfaceIndex}` : l.compartment !== undefined ? `compartment ${l.compartment}` : '') },
];

export function LinksView() {
  return (
    <section aria-labelledby="links-title">
      <h2 id="links-title">Links</h2>
      <Table label="Links" testId="links-table" rows={links.value} columns={linkColumns} rowKey={(l) => l.id} onOpen={(l) => go(`program/${l.programId}`)} initialSort={{ key: 'id' }} empty="No program is attached." />
    </section>
  );
}

const pinColumns: Column<PinInfo>[] = [
  { key: 'path', title: 'Path', value: (p) => p.path, width: 'minmax(12em, 3fr)' },
  { key: 'kind', title: 'Type', value: (p) => p.kind, width: '7em' },
  { key: 'id', title: 'ID', value: (p) => p.id, numeric: true, render: (p) => <Refs kind={p.kind} ids={[p.id]} />, width: '5em' },
];

export function PinsView() {
  return (
    <section aria-labelledby="pins-title">
      <h2 id="pins-title">Pins</h2>
      <Table label="Pins" testId="pins-table" rows={pins.value} columns={pinColumns} rowKey={(p) => p.path} onOpen={(p) => go(`${p.kind}/${p.id}`)} initialSort={{ key: 'path' }} empty="Nothing is pinned." />
    </section>
  );
}
