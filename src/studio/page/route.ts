// Where the page is, kept in the address's hash so the browser's back and forward buttons and reloads
// work: #programs, #program/3, #maps, #map/2, #links, #pins, #trace, #inspect, #inspect/program/3.

import { signal } from '@preact/signals';

export type Route =
  | { view: 'programs' | 'maps' | 'links' | 'pins' | 'trace' }
  | { view: 'program' | 'map'; id: number }
  | { view: 'inspect'; program?: number };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const id = Number(parts[1]);
  switch (parts[0]) {
    case 'maps': case 'links': case 'pins': case 'trace': return { view: parts[0] };
    case 'program': case 'map': return Number.isSafeInteger(id) && id > 0 ? { view: parts[0], id } : { view: `${parts[0]}s` };
    case 'inspect': {
      const program = Number(parts[2]);
      return parts[1] === 'program' && Number.isSafeInteger(program) ? { view: 'inspect', program } : { view: 'inspect' };
    }
    default: return { view: 'programs' };
  }
}

export const route = signal<Route>(parseRoute(location.hash));
addEventListener('hashchange', () => (route.value = parseRoute(location.hash)));

/** Goes to a place (`program/3`). */
export function go(path: string): void {
  location.hash = `#${path}`;
}
