import type { NetshCommand, ToolCommand } from './main.ts';
export const offlineNetshCommands: NetshCommand[] = [];
export const offlineToolCommands: ToolCommand[] = [];
