// The application menu, as a plain template (app.ts builds it with Electron's Menu): File, Edit, View
// and Help with the usual accelerators. Commands that belong to the UI are sent to the renderer.
import type { MenuAction } from '../../shared/api.js';

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator';
  accelerator?: string;
  submenu?: MenuItem[];
  click?: () => void;
}

export function menuTemplate(send: (action: MenuAction) => void, options: { isMac: boolean; dev: boolean }): MenuItem[] {
  const item = (label: string, action: MenuAction, accelerator?: string): MenuItem => ({ label, accelerator, click: () => send(action) });
  return [
    ...(options.isMac ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        item('New experiment', 'new-experiment', 'CmdOrCtrl+N'),
        item('Open…', 'open', 'CmdOrCtrl+O'),
        { type: 'separator' },
        item('Import…', 'import', 'CmdOrCtrl+I'),
        item('Export…', 'export', 'CmdOrCtrl+E'),
        { type: 'separator' },
        { role: options.isMac ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(options.dev ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Help',
      submenu: [item('Theory: the tutorial', 'theory', 'F1'), item('About Landscape Lab', 'about')],
    },
  ];
}
