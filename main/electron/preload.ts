// The preload: exposes `window.lab` (the LabApi of shared/api.ts) and nothing else. It runs sandboxed,
// so it is bundled to one CommonJS file (scripts/bundle.mjs) that needs only Electron.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { CHANNEL_NAMES, type Channel, type LabApi, type LabEvent, type Request } from '../../shared/api.js';

const api: LabApi = {
  call: (channel: Channel, payload: Request<Channel>) => {
    if (!CHANNEL_NAMES.includes(channel)) return Promise.resolve({ ok: false, error: { code: 'invalid', message: `channel: no such channel "${String(channel)}"` } });
    return ipcRenderer.invoke(`lab:${channel}`, payload);
  },
  onEvent: (listener: (event: LabEvent) => void) => {
    const handler = (_e: IpcRendererEvent, event: LabEvent) => listener(event);
    ipcRenderer.on('lab:event', handler);
    return () => ipcRenderer.removeListener('lab:event', handler);
  },
  // The file's path, not its content: main reads it.
  importFile: (file: File) => ipcRenderer.invoke('lab:importFile', webUtils.getPathForFile(file)),
  exportFile: (ids: number[], fileName: string) => ipcRenderer.invoke('lab:exportFile', { ids, fileName }),
};

contextBridge.exposeInMainWorld('lab', api);
