/**
 * The narrow bridge: one function per contract call the UI uses (guards.ts) and one event subscription. `ipcRenderer` itself is never
 * exposed (Electron security guide).
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { EventName } from '../../src-shared/contract.ts';
import { WINDOW_CALLS } from './guards.ts';
import { IPC_CALL, IPC_EVENT } from './ipc-channels.ts';

const calls = Object.fromEntries(
  WINDOW_CALLS.map((name) => [name, (args: unknown) => ipcRenderer.invoke(IPC_CALL, name, args)]),
);

contextBridge.exposeInMainWorld('studio', {
  calls,
  on(listener: (name: EventName, payload: unknown) => void): () => void {
    const wrapped = (_e: unknown, name: EventName, payload: unknown) => listener(name, payload);
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT, wrapped);
  },
});
