// A service in its own process (for kill -9 tests): `node --import tsx child-service.ts HOME`. Prints
// `ready PID REPORT` (REPORT: the JSON list of what the restore could not bring back) once it serves.
import { MemoryBackend } from './memory-backend.ts';
import { startTestService } from './service.ts';

const service = await startTestService(process.argv[2]!, new MemoryBackend());
process.stdout.write(`ready ${process.pid} ${JSON.stringify(service.restoreReport)}\n`);
process.once('SIGTERM', () => void service.stop().then(() => process.exit(0)));
