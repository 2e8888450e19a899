// The object inspector: open or drop an object file (nothing is loaded), or inspect the file a loaded
// program came from. Sections, maps with their BTF types, and per program: the verifier's verdict (the
// failing instruction and its source line one click away), the disassembly interleaved with source
// lines where jumps and calls are links, the control-flow graph, and the verifier's state before the
// selected instruction. Keys in the disassembly: arrows move, Enter follows a jump or call, Backspace
// goes back, g switches between the listing and the graph.

import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { InspectedObject, InspectedProgram, InspectedVerification } from '../inspect.ts';
import { studio } from './api.ts';
import { CfgGraph } from './graph.tsx';
import type { Layout } from './values.ts';

export function InspectorView(props: { program?: number | undefined }) {
  const [object, setObject] = useState<InspectedObject | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);

  const inspect = async (work: () => Promise<InspectedObject>) => {
    setBusy(true);
    setError(undefined);
    try {
      setObject(await work());
    } catch (e) {
      setError((e as Error).message);
      setObject(undefined);
    } finally {
      setBusy(false);
    }
  };
  const openFile = (file: File) => inspect(async () => studio<InspectedObject>(`inspect?name=${encodeURIComponent(file.name)}`, await file.arrayBuffer()));

  useEffect(() => {
    if (props.program !== undefined) void inspect(() => studio<InspectedObject>(`inspect?program=${props.program}`));
  }, [props.program]);

  return (
    <section aria-labelledby="inspect-title" class="inspector">
      <h2 id="inspect-title">Object inspector{object ? `: ${object.name}` : ''}</h2>
      <div class={`drop panel${dragging ? ' dragging' : ''}`} onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)}
        onDrop={(e) => { e.preventDefault(); setDragging(false); const f = e.dataTransfer?.files[0]; if (f) void openFile(f); }}>
        <label>Open an object file or native module (or drop it here) <input type="file" accept=".o,.wasm,application/octet-stream" data-testid="inspect-file" onChange={(e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void openFile(f); }} /></label>
        {busy ? <span aria-busy="true">Inspecting…</span> : null}
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {object ? <ObjectSummary object={object} /> : null}
    </section>
  );
}

function typeText(layout: Layout | undefined): string {
  if (!layout) return '';
  if (layout.kind === 'struct') return `${layout.typeName} { ${layout.fields.map((f) => `${f.layout.typeName} ${f.name}`).join('; ')} }`;
  return layout.typeName;
}

function ObjectSummary(props: { object: InspectedObject }) {
  const { object } = props;
  const [tab, setTab] = useState<'programs' | 'sections' | 'maps'>('programs');
  const [programIndex, setProgramIndex] = useState(0);
  const program = object.programs[Math.min(programIndex, object.programs.length - 1)];
  return (
    <>
      <dl class="facts">
        <dt>License</dt><dd>{object.license || '—'}</dd>
        <dt>BTF</dt><dd>{object.hasBtf ? 'yes' : 'no'}</dd>
        <dt>eBPF for Windows marker</dt><dd>{object.platformMarker ? 'yes' : 'no'}</dd>
        <dt>Programs / maps / sections</dt><dd>{object.programs.length} / {object.maps.length} / {object.sections.length}</dd>
      </dl>
      <Tabs label="Object parts" tabs={[['programs', 'Programs'], ['maps', 'Maps'], ['sections', 'Sections']]} value={tab} onChange={(t) => setTab(t as typeof tab)} />
      {tab === 'sections' ? (
        <table class="simple" aria-label="Sections">
          <thead><tr><th>#</th><th>Name</th><th>Type</th><th class="num">Size</th><th class="num">Offset</th></tr></thead>
          <tbody>{object.sections.map((s) => <tr key={s.index}><td>{s.index}</td><td>{s.name}</td><td>{s.type}</td><td class="num">{s.size}</td><td class="num">{s.offset}</td></tr>)}</tbody>
        </table>
      ) : tab === 'maps' ? (
        <table class="simple" aria-label="Maps of the object">
          <thead><tr><th>Name</th><th>Type</th><th class="num">Key</th><th class="num">Value</th><th class="num">Max entries</th><th>Section</th><th>Key type</th><th>Value type</th></tr></thead>
          <tbody>{object.maps.map((m) => <tr key={m.name}><td>{m.name}</td><td>{m.type}</td><td class="num">{m.keySize}</td><td class="num">{m.valueSize}</td><td class="num">{m.maxEntries}</td><td>{m.section}</td><td>{typeText(m.keyLayout)}</td><td>{typeText(m.valueLayout)}</td></tr>)}</tbody>
        </table>
      ) : object.programs.length === 0 ? <p>The object holds no program.</p> : (
        <>
          {object.programs.length > 1 ? (
            <label>Program <select value={programIndex} onChange={(e) => setProgramIndex(Number((e.target as HTMLSelectElement).value))} data-testid="inspect-program">
              {object.programs.map((p, i) => <option key={i} value={i}>{p.name} ({p.section})</option>)}
            </select></label>
          ) : null}
          {program ? <ProgramInspector key={`${object.name}:${programIndex}`} program={program} /> : null}
        </>
      )}
    </>
  );
}

/** An ARIA tab list: arrows move between tabs. */
function Tabs(props: { label: string; tabs: readonly (readonly [string, string])[]; value: string; onChange: (value: string) => void }) {
  const onKey = (e: KeyboardEvent) => {
    const i = props.tabs.findIndex(([v]) => v === props.value);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : undefined;
    if (next === undefined) return;
    e.preventDefault();
    const [v] = props.tabs[(next + props.tabs.length) % props.tabs.length]!;
    props.onChange(v);
    requestAnimationFrame(() => ((e.currentTarget as HTMLElement | null)?.querySelector('[aria-selected="true"]') as HTMLElement | null)?.focus());
  };
  return (
    <div role="tablist" aria-label={props.label} class="tabs" onKeyDown={onKey}>
      {props.tabs.map(([v, title]) => <button type="button" role="tab" key={v} aria-selected={v === props.value} tabIndex={v === props.value ? 0 : -1} onClick={() => props.onChange(v)}>{title}</button>)}
    </div>
  );
}

/** The source text last shown before instruction `k` (a line is printed again only when it changes). */
function sourceBefore(program: InspectedProgram, k: number): string | undefined {
  for (let i = k - 1; i >= 0; i--) if (program.instructions[i]!.source) return program.instructions[i]!.source!.text;
  return undefined;
}

function isVerdict(v: InspectedProgram['verification']): v is InspectedVerification {
  return !('failed' in v);
}

function ProgramInspector(props: { program: InspectedProgram }) {
  const { program } = props;
  const verdict = isVerdict(program.verification) ? program.verification : undefined;
  const errorPcs = useMemo(() => new Set(verdict?.errors.map((e) => e.pc) ?? []), [verdict]);
  const [pc, setPc] = useState(verdict?.errors[0]?.pc ?? program.instructions[0]?.pc ?? 0);
  const [history, setHistory] = useState<number[]>([]);
  const [view, setView] = useState<'listing' | 'graph'>('listing');
  const listing = useRef<HTMLDivElement>(null);
  const indexOf = useMemo(() => new Map(program.instructions.map((i, k) => [i.pc, k])), [program]);

  const select = (next: number, remember = false) => {
    if (!indexOf.has(next)) return;
    if (remember && next !== pc) setHistory((h) => [...h.slice(-99), pc]);
    setPc(next);
  };
  const back = () => {
    const previous = history[history.length - 1];
    if (previous === undefined) return;
    setHistory((h) => h.slice(0, -1));
    setPc(previous);
  };

  useEffect(() => {
    if (view !== 'listing') return;
    const row = listing.current?.querySelector(`[data-pc="${pc}"]`) as HTMLElement | null;
    row?.scrollIntoView({ block: 'nearest' });
  }, [pc, view]);

  const onKey = (e: KeyboardEvent) => {
    const k = indexOf.get(pc) ?? 0;
    const insn = program.instructions[k];
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = program.instructions[Math.max(0, Math.min(program.instructions.length - 1, k + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) select(next.pc);
    } else if (e.key === 'Enter' && insn?.target !== undefined) {
      e.preventDefault();
      select(insn.target, true);
    } else if (e.key === 'Backspace') {
      e.preventDefault();
      back();
    } else if (e.key === 'g') {
      setView((v) => (v === 'listing' ? 'graph' : 'listing'));
    }
  };

  const current = program.instructions[indexOf.get(pc) ?? 0];
  return (
    <div class="program-inspector" onKeyDown={onKey}>
      <h3>{program.name} <span class="muted">section {program.section} · {program.programType} · {program.instructionCount} slots</span></h3>
      <Verdict program={program} onSelect={(p) => select(p, true)} />
      <div class="inspector-grid">
        <div class="pane">
          <Tabs label="Program views" tabs={[['listing', 'Disassembly'], ['graph', 'Graph']]} value={view} onChange={(v) => setView(v as typeof view)} />
          <div class="nav-line">
            <button type="button" onClick={back} disabled={history.length === 0} aria-label="Back to the previous instruction">← Back</button>
            <span>pc {pc}{current?.source ? ` · ${current.source.file}:${current.source.line}` : ''}</span>
          </div>
          {view === 'listing' ? (
            <div class="listing" ref={listing} tabIndex={0} role="listbox" aria-label="Disassembly" aria-activedescendant={`pc-${pc}`} data-testid="disassembly">
              {program.instructions.map((insn, k) => (
                <Fragment key={insn.pc}>
                  {insn.source && insn.source.text !== sourceBefore(program, k) ? <div class="source-line" aria-hidden="true">; {insn.source.file}:{insn.source.line} <span>{insn.source.text.trim()}</span></div> : null}
                  {program.functions.some((f) => f.startPc === insn.pc && insn.pc !== 0) ? <div class="function-head">{program.functions.find((f) => f.startPc === insn.pc)!.name}:</div> : null}
                  <div id={`pc-${insn.pc}`} role="option" aria-selected={insn.pc === pc} data-pc={insn.pc}
                    class={`insn${insn.pc === pc ? ' sel' : ''}${errorPcs.has(insn.pc) ? ' err' : ''}`} onClick={() => select(insn.pc)}>
                    <span class="pc">{insn.pc}</span>
                    <span class="text">{insn.text}</span>
                    {insn.target !== undefined ? <a href="#" class="jump" data-target={insn.target} onClick={(e) => { e.preventDefault(); e.stopPropagation(); select(insn.target!, true); }}
                      aria-label={`${insn.kind === 'call' ? 'call' : 'jump'} to ${insn.target}`}>{insn.kind === 'call' ? '↪' : '→'} {insn.target}</a> : null}
                  </div>
                </Fragment>
              ))}
            </div>
          ) : (
            <CfgGraph blocks={program.blocks} instructions={program.instructions} selectedPc={pc} errorPcs={errorPcs} onSelect={(p) => select(p)} />
          )}
        </div>
        <StatePanel verdict={verdict} pc={pc} />
      </div>
    </div>
  );
}

function Verdict(props: { program: InspectedProgram; onSelect: (pc: number) => void }) {
  const v = props.program.verification;
  if (!isVerdict(v)) return <p role="alert" class="verdict bad">The verifier could not check this program: {v.failed}</p>;
  if (v.ok) return <p class="verdict good" data-testid="verdict">Verified as {v.programType}: safe ({v.instructionsExplored} instructions explored in {v.milliseconds.toFixed(1)} ms).</p>;
  return (
    <div class="verdict bad" role="alert" data-testid="verdict">
      <p>Rejected by the verifier as {v.programType}:</p>
      <ul class="plain">
        {v.errors.map((e, i) => (
          <li key={i}>
            <button type="button" class="link" onClick={() => props.onSelect(e.pc)} data-testid="verifier-error">pc {e.pc}</button>: {e.message}
            {e.source ? <span class="source-ref" data-testid="error-source"> — {e.source.file}:{e.source.line}: <code>{e.source.text.trim()}</code></span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function StatePanel(props: { verdict: InspectedVerification | undefined; pc: number }) {
  const states = props.verdict?.states;
  const state = states?.[props.pc];
  return (
    <aside class="pane state" aria-labelledby="state-title" data-testid="state">
      <h4 id="state-title">Verifier state before pc {props.pc}</h4>
      {!props.verdict ? <p class="muted">No verdict.</p>
        : !states ? <p class="muted">The verifier recorded no states for this program.</p>
        : !state ? <p class="muted">The verifier never reached this instruction.</p>
        : <pre>{state.join('\n')}</pre>}
    </aside>
  );
}
