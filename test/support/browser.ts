// What the browser tests share: Debian's Chromium as they launch it, and what a canvas shows.
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless; no sandbox (tests run as root); never --disable-software-rasterizer
 * (WebGL needs SwiftShader). `extraArgs` adds switches (WEBGPU_ARGS: WebGPU on SwiftShader).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', ...extraArgs],
  });
}

/** WebGPU in headless Chromium, on its software adapter (SwiftShader's Vulkan): what the CI runs. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/**
 * What a canvas shows: its width, the share of its pixels that differ from its corner pixel, and how
 * many colours it uses. The canvas is copied first: a WebGL canvas has no 2D context of its own.
 */
export async function canvasInk(page: Page, selector: string): Promise<{ width: number; inked: number; colours: number }> {
  return page.locator(selector).first().evaluate((canvas: HTMLCanvasElement) => {
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    const colours = new Set<number>();
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1]) + Math.abs(data[i + 2] - data[2]) > 24) inked++;
    }
    return { width: canvas.width, inked: inked / (data.length / 4), colours: colours.size };
  });
}
