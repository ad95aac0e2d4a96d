// Text labels as sprites that keep a constant size on screen, so they are part of the canvas (and of
// its PNG export) and stay readable at any zoom.
import { CanvasTexture, LinearFilter, SRGBColorSpace, Sprite, SpriteMaterial, type PerspectiveCamera } from 'three';

const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';

export interface LabelData {
  text: string;
  /** Height of the sprite's quad in CSS pixels, and its width over its height. */
  px: number;
  aspect: number;
  /** The text's box inside the quad: the share of the quad's width and height left out on each side. */
  inset: [number, number];
  /** Which label keeps its place when two would meet: lower first (set by the scene). */
  rank?: number;
}

/** A sprite showing `text` about `px` CSS pixels high; `anchorX` 0 left-aligns it, 1 right-aligns it. */
export function textSprite(text: string, color: string, px = 12, anchorX = 0.5): Sprite {
  const scale = 2 * Math.max(1, globalThis.devicePixelRatio || 1);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const font = `${px * scale}px ${FONT}`;
  ctx.font = font;
  const width = Math.ceil(ctx.measureText(text).width) + 4 * scale;
  const height = Math.ceil(px * scale * 1.35);
  canvas.width = width;
  canvas.height = height;
  ctx.font = font;
  ctx.fillStyle = color;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 2 * scale, height / 2);
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = SRGBColorSpace;
  texture.minFilter = LinearFilter;
  texture.generateMipmaps = false;
  const sprite = new Sprite(new SpriteMaterial({ map: texture, transparent: true, depthTest: false, depthWrite: false, sizeAttenuation: false }));
  sprite.center.set(anchorX, 0.5);
  sprite.renderOrder = 10;
  // The text's own box inside the quad (the quad pads it by 2 px each side and to 1.35 lines high):
  // what a reader sees of the label, and what must not meet another label.
  const inset: [number, number] = [(2 * scale) / width, (height - px * scale) / 2 / height];
  sprite.userData.label = { text, px: height / scale, aspect: width / height, inset } satisfies LabelData;
  return sprite;
}

/** Size a label sprite for a viewport `height` CSS pixels tall. */
export function fitLabel(sprite: Sprite, camera: PerspectiveCamera, height: number): void {
  const label = sprite.userData.label as LabelData | undefined;
  if (!label || height <= 0) return;
  // Without size attenuation a sprite of scale s spans s·f/2 of the viewport height, f = 1/tan(fov/2).
  const s = (2 * label.px * Math.tan(((camera.fov / 2) * Math.PI) / 180)) / height;
  sprite.scale.set(s * label.aspect, s, 1);
}
