// eBPF Studio: the page the service serves at /studio. The header holds the navigation (a tab list:
// arrows move, Alt+1..7 jump), the connection state and the theme switch; the rest is the current view.

import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { signal } from '@preact/signals';
import { InspectorView } from './inspector.tsx';
import { LinksView, MapsView, PinsView, ProgramsView } from './lists.tsx';
import { MapView } from './map-view.tsx';
import { ProgramView } from './program.tsx';
import { go, route } from './route.ts';
import { connected, lastError, links, maps, pins, programs, start } from './store.ts';
import { TraceView } from './trace.tsx';

type Theme = 'light' | 'dark';
const stored = localStorage.getItem('ebpf-studio-theme');
const theme = signal<Theme>(stored === 'light' || stored === 'dark' ? stored : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

function applyTheme(): void {
  document.documentElement.dataset.theme = theme.value;
}

const NAV: readonly { path: string; title: string; views: readonly string[]; count?: () => number }[] = [
  { path: 'programs', title: 'Programs', views: ['programs', 'program'], count: () => programs.value.length },
  { path: 'maps', title: 'Maps', views: ['maps', 'map'], count: () => maps.value.length },
  { path: 'links', title: 'Links', views: ['links'], count: () => links.value.length },
  { path: 'pins', title: 'Pins', views: ['pins'], count: () => pins.value.length },
  { path: 'trace', title: 'Trace', views: ['trace'] },
  { path: 'inspect', title: 'Inspector', views: ['inspect'] },
];

function Nav() {
  const current = NAV.findIndex((n) => n.views.includes(route.value.view));
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const next = NAV[(current + (e.key === 'ArrowRight' ? 1 : NAV.length - 1)) % NAV.length]!;
    go(next.path);
    requestAnimationFrame(() => (document.querySelector(`nav [data-path="${next.path}"]`) as HTMLElement | null)?.focus());
  };
  return (
    <nav aria-label="Views">
      <div role="tablist" aria-label="Views" class="tabs main-tabs" onKeyDown={onKey}>
        {NAV.map((n, i) => (
          <a role="tab" key={n.path} href={`#${n.path}`} data-path={n.path} aria-selected={i === current} tabIndex={i === current ? 0 : -1} aria-keyshortcuts={`Alt+${i + 1}`}>
            {n.title}{n.count ? <span class="badge" aria-label={`${n.count()} ${n.title.toLowerCase()}`}>{n.count()}</span> : null}
          </a>
        ))}
      </div>
    </nav>
  );
}

function View() {
  const r = route.value;
  switch (r.view) {
    case 'programs': return <ProgramsView />;
    case 'program': return <ProgramView id={r.id} />;
    case 'maps': return <MapsView />;
    case 'map': return <MapView id={r.id} />;
    case 'links': return <LinksView />;
    case 'pins': return <PinsView />;
    case 'trace': return <TraceView />;
    case 'inspect': return <InspectorView program={r.program} />;
  }
}

function App() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && /^[1-9]$/.test(e.key)) {
        const n = NAV[Number(e.key) - 1];
        if (n) { e.preventDefault(); go(n.path); }
      } else if (e.key === '/' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)) {
        const filter = document.querySelector('main input.filter') as HTMLInputElement | null;
        if (filter) { e.preventDefault(); filter.focus(); }
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  applyTheme();
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <h1>eBPF Studio</h1>
        <Nav />
        <span class={`conn ${connected.value ? 'up' : 'down'}`} role="status" data-testid="connection">{connected.value ? 'live' : 'reconnecting…'}</span>
        <button type="button" class="theme" aria-pressed={theme.value === 'dark'} onClick={() => { theme.value = theme.value === 'dark' ? 'light' : 'dark'; localStorage.setItem('ebpf-studio-theme', theme.value); }}>
          {theme.value === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </header>
      {lastError.value ? <div role="alert" class="error banner" data-testid="error-banner"><pre>{lastError.value}</pre><button type="button" aria-label="Dismiss error" onClick={() => (lastError.value = undefined)}>×</button></div> : null}
      <main id="main" tabIndex={-1}><View /></main>
    </>
  );
}

applyTheme();
const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading" placeholder, which Preact would keep beside the app
render(<App />, root);
start().catch((error: Error) => (lastError.value = `Could not reach the service: ${error.message}`));
