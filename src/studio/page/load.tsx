// Loading an object file through the page: choose (or drop) the file, the execution mode, optionally the
// program type and how to pin; the service stores the file and loads it as `add program` would. A native
// module (`.wasm`, built by `ebpf native`) loads the same way; its mode (NATIVE) and program types were
// fixed when it was built, so those choices do not apply to it.

import { useState } from 'preact/hooks';
import type { LoadResult } from '../../client/api.ts';
import { studio } from './api.ts';
import { go } from './route.ts';
import { attempt, platform } from './store.ts';

export function LoadPanel() {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [execution, setExecution] = useState<'jit' | 'interpret'>('jit');
  const [type, setType] = useState('');
  const [pinned, setPinned] = useState<'first' | 'none' | 'all'>('first');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');

  const native = file?.name.endsWith('.wasm') ?? false;

  const load = async (event: Event) => {
    event.preventDefault();
    if (!file) return setMessage('Choose an object file first.');
    setBusy(true);
    setMessage('');
    const query = new URLSearchParams({ name: file.name, pinned, ...(native ? {} : { execution, ...(type ? { type } : {}) }) });
    const result = await attempt(async () => studio<LoadResult>(`load?${query}`, await file.arrayBuffer()));
    setBusy(false);
    if (result) {
      setMessage(`Loaded with ID ${result.programIds[0]}`);
      go(`program/${result.programIds[0]}`);
    }
  };

  return (
    <form class="panel load" aria-label="Load an object file" onSubmit={load}
      onDragOver={(e) => e.preventDefault()} onDrop={(e) => { e.preventDefault(); const f = e.dataTransfer?.files[0]; if (f) setFile(f); }}>
      <label>Object file <input type="file" accept=".o,.wasm,application/octet-stream" data-testid="load-file" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])} /></label>
      <label>Execution
        <select value={execution} data-testid="load-execution" disabled={native} title={native ? 'a native module runs its compiled code' : undefined} onChange={(e) => setExecution((e.target as HTMLSelectElement).value as 'jit' | 'interpret')}>
          <option value="jit">JIT (WebAssembly)</option>
          <option value="interpret">Interpreter</option>
        </select>
      </label>
      <label>Program type
        <select value={type} disabled={native} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          <option value="">from the section name</option>
          {platform.value?.attachTypes.map((a) => <option key={a.name} value={a.name}>{a.name}</option>)}
        </select>
      </label>
      <label>Pin
        <select value={pinned} data-testid="load-pinned" onChange={(e) => setPinned((e.target as HTMLSelectElement).value as 'first' | 'none' | 'all')}>
          <option value="first">first program</option>
          <option value="all">all programs</option>
          <option value="none">none</option>
        </select>
      </label>
      {native ? <span class="muted" data-testid="load-native">native module: runs as compiled (NATIVE)</span> : null}
      <button type="submit" disabled={busy} data-testid="load-submit">{busy ? 'Loading…' : 'Load'}</button>
      <span role="status" class="status">{message}</span>
    </form>
  );
}
