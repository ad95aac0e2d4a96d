// The Electron main process: one window, secure by default, with the lab's service behind IPC.
// Thin on purpose — the lab itself (service, jobs, store) is plain Node and tested without Electron.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type MenuItemConstructorOptions } from 'electron';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHANNEL_NAMES, type MenuAction } from '../../shared/api.js';
import { LabChannels } from '../lab/channels.js';
import { useGpuComputeWindow } from '../lab/gpuHost.js';
import { Lab } from '../lab/lab.js';
import { CONTENT_SECURITY_POLICY } from '../platform/contentSecurity.js';
import { closeComputeWindows, openComputeWindow } from './computeWindow.js';
import { menuTemplate } from './menu.js';
import { APP_VERSION, INSTALL_ROOT } from '../platform/version.js';
import { loadBounds, saveBounds } from './windowState.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(INSTALL_ROOT, 'dist', 'renderer', 'index.html');
const devServer = process.env.LANDSCAPE_LAB_DEV_SERVER;

if (!app.requestSingleInstanceLock()) app.quit();

// WebGPU for the compute window (the gpu kernel): still behind a switch in Chromium on Linux, where it
// runs on Vulkan (Windows and macOS have it by default: Direct3D 12, Metal).
app.commandLine.appendSwitch('enable-unsafe-webgpu');
if (process.platform === 'linux') app.commandLine.appendSwitch('enable-features', 'Vulkan');

let window: BrowserWindow | null = null;

function send(action: MenuAction): void {
  window?.webContents.send('lab:event', { type: 'menu', action });
}

/** Only our own page may call the lab: the renderer file, or Vite's dev server in development. */
function trustedSender(url: string | undefined): boolean {
  if (!url) return false;
  if (devServer) return url.startsWith(devServer);
  return url.startsWith(pathToFileURL(rendererIndex).href);
}

function createWindow(): BrowserWindow {
  const userData = app.getPath('userData');
  const bounds = loadBounds(userData);
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 900,
    minHeight: 600,
    title: 'Landscape Lab',
    icon: join(INSTALL_ROOT, 'assets', 'icon.png'),
    show: false,
    webPreferences: {
      // The preload is ours, sandboxed, and exposes only the LabApi (reviewed, as the check asks).
      preload: join(here, 'preload.cjs'), /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (bounds.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => saveBounds(userData, { ...win.getNormalBounds(), maximized: win.isMaximized() }));
  // The hidden compute window must not keep the app open once its window is gone.
  win.on('closed', () => {
    if (window === win) window = null;
    closeComputeWindows();
  });
  // Nothing navigates away or opens windows; links to the web open in the browser.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Only https links (papers cited in the theory page) leave the app, to the system browser.
    if (url.startsWith('https://')) void shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
    return { action: 'deny' };
  });
  if (devServer) void win.loadURL(devServer);
  else void win.loadFile(rendererIndex);
  return win;
}

app.on('second-instance', () => {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.focus();
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const database = join(app.getPath('userData'), 'lab.sqlite');
  const lab = Lab.open({ db: database, startWorkers: 'now' });
  try {
    void lab.store;
  } catch (e) {
    dialog.showErrorBox('Landscape Lab cannot open its database', (e as Error).message);
    void lab.close();
    app.quit();
    return;
  }
  // The gpu kernel runs in a hidden compute window (Chromium's WebGPU), opened when first needed.
  useGpuComputeWindow(openComputeWindow);
  const channels = new LabChannels(lab, 'electron');
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(`lab:${channel}`, (event, payload: unknown) => {
      if (!trustedSender(event.senderFrame?.url)) return { ok: false, error: { code: 'invalid', message: 'not allowed from this page' } };
      return channels.call(channel, payload);
    });
  }
  channels.onEvent((e) => window?.webContents.send('lab:event', e));
  // Files go by path: the import's, picked in the page; the export's, chosen in main's save dialog.
  ipcMain.handle('lab:importFile', (event, path: unknown) => {
    if (!trustedSender(event.senderFrame?.url)) return { ok: false, error: { code: 'invalid', message: 'not allowed from this page' } };
    if (typeof path !== 'string' || path === '') return { ok: false, error: { code: 'invalid', message: 'import: pick a file (this one has no path on disk)' } };
    return channels.importFile(path, basename(path));
  });
  ipcMain.handle('lab:exportFile', async (event, request: { ids?: unknown; fileName?: unknown } | null) => {
    if (!trustedSender(event.senderFrame?.url) || !window) return { ok: false, error: { code: 'invalid', message: 'not allowed from this page' } };
    const name = typeof request?.fileName === 'string' ? basename(request.fileName) : 'experiments.lab.json';
    const chosen = await dialog.showSaveDialog(window, { defaultPath: name, filters: [{ name: 'Landscape Lab export', extensions: ['json'] }] });
    if (chosen.canceled || !chosen.filePath) return { ok: true, value: null };
    return channels.exportFile(request?.ids, chosen.filePath);
  });

  const isMac = process.platform === 'darwin';
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(send, { isMac, dev: !app.isPackaged }) as MenuItemConstructorOptions[]));
  app.setAboutPanelOptions({ applicationName: 'Landscape Lab', applicationVersion: APP_VERSION });

  window = createWindow();
  app.on('activate', () => {
    if (!window) window = createWindow();
  });
  app.on('will-quit', () => void lab.close());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
