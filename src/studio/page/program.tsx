// One program: what it is, its maps, links and pins, the actions on it (attach, detach, pin, unpin,
// unload, inspect), and the test-run panel: context fields typed by the program type (from the platform
// description), data as text or hex, repeat; showing the return value, the time per run, the data and
// context after the run and which map entries the run changed.

import { useState } from 'preact/hooks';
import type { MapEntry, ProgramInfo, TestRunResult } from '../../client/api.ts';
import { call } from './api.ts';
import { go } from './route.ts';
import { attempt, links, maps, platform, programs } from './store.ts';
import { parseHex, spacedHex, toHex } from './values.ts';

export function ProgramView(props: { id: number }) {
  const program = programs.value.find((p) => p.id === props.id);
  const [pinPath, setPinPath] = useState('');
  const [attachType, setAttachType] = useState('');
  if (!program) return <section><h2>Program {props.id}</h2><p role="alert">Program {props.id} is not loaded (any more).</p><a href="#programs">All programs</a></section>;
  const own = links.value.filter((l) => l.programId === program.id);
  const attachTypes = platform.value?.attachTypes.filter((a) => a.programType === program.type) ?? [];
  const average = program.runCount === 0 ? '—' : `${Math.round(program.runTimeNs / program.runCount)} ns`;

  return (
    <section aria-labelledby="program-title" class="program-view">
      <h2 id="program-title">Program {program.id}: {program.name}</h2>
      <dl class="facts">
        <dt>Type</dt><dd>{program.type}</dd>
        <dt>Mode</dt><dd data-testid="program-mode">{program.mode}</dd>
        <dt>Section</dt><dd>{program.section}</dd>
        <dt>File</dt><dd>{program.fileName}</dd>
        <dt>Maps</dt><dd>{program.mapIds.length ? program.mapIds.map((id) => <span key={id}><a href={`#map/${id}`}>{maps.value.find((m) => m.id === id)?.name ?? id}</a> </span>) : '—'}</dd>
        <dt>Runs</dt><dd data-testid="program-runs">{program.runCount}</dd>
        <dt>Average per run</dt><dd>{average}</dd>
      </dl>
      <div class="panel actions" role="group" aria-label="Actions">
        <button type="button" onClick={() => go(`inspect/program/${program.id}`)}>Inspect</button>
        <label>Attach type
          <select value={attachType} onChange={(e) => setAttachType((e.target as HTMLSelectElement).value)}>
            <option value="">section's</option>
            {attachTypes.map((a) => <option key={a.name}>{a.name}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => attempt(() => call('programs.attach', { id: program.id, ...(attachType ? { attachType } : {}) }))}>Attach</button>
        <button type="button" disabled={own.length === 0} onClick={() => attempt(() => call('programs.detach', { id: program.id }))}>Detach all</button>
        <label>Pin path <input value={pinPath} placeholder="BPF:\path" onInput={(e) => setPinPath((e.target as HTMLInputElement).value)} /></label>
        <button type="button" disabled={!pinPath} onClick={() => attempt(() => call('pins.pin', { kind: 'program', id: program.id, path: pinPath })).then((r) => r && setPinPath(''))}>Pin</button>
        <button type="button" class="danger" onClick={() => attempt(() => call('programs.delete', { id: program.id })).then((r) => r && go('programs'))}>Unload</button>
      </div>
      <h3>Links</h3>
      {own.length === 0 ? <p class="muted">Not attached.</p> : (
        <ul class="plain">{own.map((l) => (
          <li key={l.id}>Link {l.id}: {l.attachType}{l.interfaceIndex !== undefined ? ` on interface ${l.interfaceIndex}` : ''}{l.compartment !== undefined ? ` in compartment ${l.compartment}` : ''}{' '}
            <button type="button" onClick={() => attempt(() => call('links.detach', { id: l.id }))}>Detach</button></li>
        ))}</ul>
      )}
      <h3>Pins</h3>
      {program.pinnedPaths.length === 0 ? <p class="muted">Not pinned.</p> : (
        <ul class="plain">{program.pinnedPaths.map((path) => (
          <li key={path}><code>{path}</code> <button type="button" onClick={() => attempt(() => call('pins.unpin', { path, kind: 'program', id: program.id }))}>Unpin</button></li>
        ))}</ul>
      )}
      <TestRunPanel program={program} />
    </section>
  );
}

/** Little-endian bytes of an integer typed in a context field. */
function writeField(bytes: Uint8Array, offset: number, size: number, text: string, name: string): void {
  const t = text.trim();
  if (t === '') return;
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new Error(`${name}: '${text}' is not an integer`);
  let v = BigInt.asUintN(size * 8, t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t));
  for (let i = 0; i < size; i++) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

interface RunReport {
  result: TestRunResult;
  repeat: number;
  changed: { map: string; mapId: number; key: string; before: string | undefined; after: string | undefined }[];
}

const DIFF_LIMIT = 10_000;

async function snapshot(mapIds: readonly number[]): Promise<Map<number, Map<string, string>>> {
  const out = new Map<number, Map<string, string>>();
  for (const id of mapIds) {
    const info = maps.value.find((m) => m.id === id);
    // Keyless maps (queues, stacks, record streams) have no keys to compare; the map view streams their records.
    if (!info || info.maxEntries > DIFF_LIMIT || platform.value?.mapTypes.find((t) => t.name === info.type)?.keyless) continue;
    const entries: MapEntry[] = await call('maps.entries', { id, limit: DIFF_LIMIT });
    out.set(id, new Map(entries.map((e) => [e.key, e.value])));
  }
  return out;
}

function TestRunPanel(props: { program: ProgramInfo }) {
  const type = platform.value?.programTypes.find((t) => t.name === props.program.type);
  const fields = (type?.fields ?? []).filter((f) => !f.pointer);
  const [values, setValues] = useState<Record<string, string>>({});
  const [data, setData] = useState('');
  const [dataAsHex, setDataAsHex] = useState(false);
  const [repeat, setRepeat] = useState('1');
  const [report, setReport] = useState<RunReport | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const run = async (event: Event) => {
    event.preventDefault();
    let contextIn = '';
    let dataIn = '';
    const times = Number(repeat);
    try {
      if (!Number.isSafeInteger(times) || times < 1 || times > 1_000_000) throw new Error(`repeat: '${repeat}' must be 1 to 1,000,000`);
      if (type && type.contextSize > 0) {
        const context = new Uint8Array(type.contextSize);
        for (const f of fields) writeField(context, f.offset, f.size, values[f.name] ?? '', f.name);
        contextIn = toHex(context);
      }
      dataIn = dataAsHex ? toHex(parseHex(data, data.replace(/\s+/g, '').length / 2, 'data')) : toHex(new TextEncoder().encode(data));
    } catch (error) {
      setProblem((error as Error).message);
      return;
    }
    setProblem(undefined);
    setBusy(true);
    const mapIds = props.program.mapIds;
    const before = await attempt(() => snapshot(mapIds));
    const result = await attempt(() => call('programs.testRun', { id: props.program.id, dataIn, contextIn, repeat: times }));
    const after = result ? await attempt(() => snapshot(mapIds)) : undefined;
    setBusy(false);
    if (!result) return;
    const changed: RunReport['changed'] = [];
    for (const [id, old] of before ?? []) {
      const now = after?.get(id) ?? new Map<string, string>();
      const name = maps.value.find((m) => m.id === id)?.name ?? String(id);
      for (const [key, value] of now) if (old.get(key) !== value) changed.push({ map: name, mapId: id, key, before: old.get(key), after: value });
      for (const [key, value] of old) if (!now.has(key)) changed.push({ map: name, mapId: id, key, before: value, after: undefined });
    }
    setReport({ result, repeat: times, changed });
  };

  return (
    <form class="panel test-run" aria-labelledby="test-run-title" onSubmit={run}>
      <h3 id="test-run-title">Test run</h3>
      {fields.length > 0 ? (
        <fieldset><legend>Context ({type?.name}, {type?.contextSize} bytes)</legend>
          <div class="grid-fields">
            {fields.map((f) => (
              <label key={f.name}><span>{f.name} <span class="muted">u{f.size * 8} @{f.offset}</span></span>
                <input value={values[f.name] ?? ''} placeholder="0" data-field={f.name} onInput={(e) => setValues({ ...values, [f.name]: (e.target as HTMLInputElement).value })} /></label>
            ))}
          </div>
        </fieldset>
      ) : null}
      <label class="wide">Data <textarea rows={2} value={data} onInput={(e) => setData((e.target as HTMLTextAreaElement).value)} data-testid="run-data" /></label>
      <label class="check"><input type="checkbox" checked={dataAsHex} onChange={(e) => setDataAsHex((e.target as HTMLInputElement).checked)} /> data is hex</label>
      <label>Repeat <input type="number" min="1" max="1000000" value={repeat} onInput={(e) => setRepeat((e.target as HTMLInputElement).value)} data-testid="run-repeat" /></label>
      <button type="submit" disabled={busy} data-testid="run-submit">{busy ? 'Running…' : 'Run'}</button>
      {problem ? <p role="alert" class="error">{problem}</p> : null}
      {report ? (
        <div class="run-report" role="status" data-testid="run-report">
          <p>Returned <strong data-testid="run-return">{report.result.returnValue}</strong> in {report.result.durationNs.toFixed(0)} ns per run ({report.repeat} {report.repeat === 1 ? 'run' : 'runs'}).</p>
          {report.result.dataOut ? <p class="hex"><span class="muted">data out</span> {spacedHex(report.result.dataOut)}</p> : null}
          {report.result.contextOut ? <p class="hex"><span class="muted">context out</span> {spacedHex(report.result.contextOut)}</p> : null}
          {report.changed.length === 0 ? <p class="muted">No map entry changed.</p> : (
            <ul class="plain">{report.changed.slice(0, 50).map((c) => (
              <li key={`${c.mapId}:${c.key}`}><a href={`#map/${c.mapId}`}>{c.map}</a> key {spacedHex(c.key)}: {c.before === undefined ? 'added' : c.after === undefined ? 'deleted' : 'changed'}
                {c.after !== undefined ? <span class="hex"> → {spacedHex(c.after)}</span> : null}</li>
            ))}</ul>
          )}
        </div>
      ) : null}
    </form>
  );
}
