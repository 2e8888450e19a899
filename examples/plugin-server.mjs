// An HTTP server whose request filter is verified eBPF: RequestFilter.c is compiled, verified and
// JIT-compiled at start, then run on every request's path. Its rules and counters are maps the server
// reads and writes by field name. Run it with `node examples/plugin-server.mjs` (PORT=8080 by default).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { loadPlugin } from 'ebpf-for-node';

const filter = await loadPlugin(fileURLToPath(new URL('./RequestFilter.c', import.meta.url)));
const blocked = filter.map('blocked');
blocked.set(0, { prefix: '/admin', length: 6 });
blocked.set(1, { prefix: '/.git', length: 5 });

const server = createServer((request, response) => {
  const { value } = filter.run({ data: request.url ?? '/', context: { uint32_data: request.socket.remotePort ?? 0 } });
  if (value === 1) {
    response.writeHead(403).end('denied\n');
  } else if (request.url === '/stats') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ stats: filter.map('stats').entries(), lastDenied: filter.map('last_denied').get(0) }, null, 2) + '\n');
  } else {
    response.end('hello\n');
  }
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
