// Saving what the user exports: a file download in the browser, the save dialog in Electron.

export function downloadBlob(fileName: string, blob: Blob): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

export function downloadText(fileName: string, text: string, type = 'text/plain'): void {
  downloadBlob(fileName, new Blob([text], { type }));
}

/** A canvas as a PNG file. */
export function downloadCanvas(fileName: string, canvas: HTMLCanvasElement): void {
  canvas.toBlob((blob) => {
    if (blob) downloadBlob(fileName, blob);
  }, 'image/png');
}

/** A file name from a chart's title. */
export function fileStem(title: string | undefined, fallback: string): string {
  const stem = (title ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return stem || fallback;
}
