// The commands that talk to the service: netsh's (add/delete/set program, show programs/maps/links/pins/
// processes, pin/unpin) and bpftool's (prog, map, link, trace), plus `service` itself.

import type { NetshCommand, ToolCommand } from './main.ts';
import { netshServiceCommands } from './online/netsh.ts';
import { serviceCommand } from './online/service.ts';
import { studioCommand } from './online/studio.ts';
import { toolServiceCommands } from './online/tool.ts';
import { xdpCommand } from './online/xdp.ts';

/** netsh-style commands served by the service. */
export const onlineNetshCommands: NetshCommand[] = netshServiceCommands;
/** bpftool-style commands served by the service (their `prog run FILE.o` falls back to the offline run). */
export const onlineToolCommands: ToolCommand[] = [...toolServiceCommands, serviceCommand, xdpCommand, studioCommand];
