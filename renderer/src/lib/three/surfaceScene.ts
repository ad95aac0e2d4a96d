// One cost-surface view: its own WebGL renderer, camera and orbit controls, and the scene built from a
// stored surface (mesh, wireframe, contours, trajectory, markers, axes). It renders on demand only:
// on orbit, data, option or size changes; there is no animation loop.
import {
  BufferAttribute,
  BufferGeometry,
  Color,
  DoubleSide,
  Float32BufferAttribute,
  Group,
  Line,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshBasicMaterial,
  PerspectiveCamera,
  Raycaster,
  Scene,
  SphereGeometry,
  Sprite,
  Vector2,
  Vector3,
  WebGLRenderer,
  type Material,
  type Object3D,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { SurfaceView } from '../../../../shared/api';
import { colormap, contourColor, type ColormapName } from '../colormap';
import { contourLevels, marchingSquares } from '../contours';
import { LabelPlacer, type LabelBox } from '../labelPlacement';
import type { CameraState, LinkedView } from './cameraLink';
import { fitLabel, textSprite, type LabelData } from './labels';
import { MARKERS } from '../../../../shared/markers';
import { formatNumber } from '../format';
import { MARKER_COLORS, TRAJECTORY_COLOR } from '../markers';
import { atIndex, costAt, heightAt, heightOf, heights, type Heights } from '../surfaceMath';
import type { Theme } from '../theme';
import { heightTicks, niceTicks } from '../ticks';


export interface ViewOptions {
  log: boolean;
  wireframe: boolean;
  contours: boolean;
  trajectory: boolean;
  colormap: ColormapName;
  /** Tick labels and axis names; thumbnails leave them out (at that size they would collide). */
  labels?: boolean;
  /** Colours the surface by these values (row per β, on its grid) instead of its height: a convexity map. */
  paint?: { values: ArrayLike<number>; scale: (v: number) => number; colormap: ColormapName; ticks: { value: number; label: string }[] };
  /** More paths over the surface, each in its colour with a dot at its last point: an optimizer race. */
  paths?: { alpha: ArrayLike<number>; beta: ArrayLike<number>; loss: ArrayLike<number>; color: string }[];
}

/** Height of the tallest point, as a fraction of the larger of the α and β extents. */
const HEIGHT = 0.6;
const CONTOUR_LEVELS = 12;
// Looking from the front right, a little off centre so the β labels on the right stay in frame.
/** Vertical field of view in degrees, for views at least as wide as tall. */
const FOV = 40;
// Zoomed so the surface fills most of a landscape view, with its labels still in frame.
const DEFAULT_CAMERA: CameraState = { position: [1.55, -2.13, 1.34], target: [-0.06, -0.08, 0.2], zoom: 1.3 };

/** Round ticks over [min, max]: about four, or more when four round steps would leave one or none. */
function axisTicks(min: number, max: number): number[] {
  const ticks = niceTicks(min, max, 4);
  return ticks.length >= 3 ? ticks : niceTicks(min, max, 8);
}

/** sRGB → linear, because three.js treats vertex colours as linear and encodes the output as sRGB. */
function linear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export class SurfaceScene implements LinkedView {
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(FOV, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private readonly content = new Group();
  private readonly resizeObserver: ResizeObserver;
  private readonly raycaster = new Raycaster();
  private mesh: Mesh | null = null;
  private surface: SurfaceView | null = null;
  /** World x, y = (α − α₀)/extent, (β − β₀)/extent. */
  private frame = { alpha0: 0, beta0: 0, extent: 1 };
  private applying = false;
  /** The labels shown by the last render. */
  private shownLabels: LabelBox[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly hooks: { rendered(): void; moved(state: CameraState): void },
    camera: CameraState | null,
  ) {
    this.renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(2, globalThis.devicePixelRatio || 1));
    this.renderer.domElement.style.display = 'block';
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    host.prepend(this.renderer.domElement);
    this.scene.add(this.content);
    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => {
      // apply() renders once itself and must not echo the move back to the linked views.
      if (this.applying) return;
      this.render();
      this.hooks.moved(this.cameraState());
    });
    this.apply(camera ?? DEFAULT_CAMERA);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(host);
    this.resize();
  }

  get canvas(): HTMLCanvasElement {
    return this.renderer.domElement;
  }

  cameraState(): CameraState {
    const p = this.camera.position;
    const t = this.controls.target;
    return { position: [p.x, p.y, p.z], target: [t.x, t.y, t.z], zoom: this.camera.zoom };
  }

  apply(state: CameraState): void {
    this.applying = true;
    this.camera.position.set(...state.position);
    this.controls.target.set(...state.target);
    this.camera.zoom = state.zoom;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.applying = false;
    this.render();
  }

  reset(): void {
    this.apply(DEFAULT_CAMERA);
  }

  /** Rebuilds the scene's content for a surface and the view options, disposing what was there. */
  build(surface: SurfaceView, options: ViewOptions, theme: Theme): void {
    this.clear();
    this.surface = surface;
    this.renderer.setClearColor(new Color(theme.bg));
    const nx = surface.alphas.length;
    const ny = surface.betas.length;
    const a = surface.alphas;
    const b = surface.betas;
    const extent = Math.max(a[nx - 1] - a[0], b[ny - 1] - b[0]) || 1;
    this.frame = { alpha0: (a[0] + a[nx - 1]) / 2, beta0: (b[0] + b[ny - 1]) / 2, extent };
    const h = heights(surface.loss, options.log);
    const zOf = (z: number) => ((z - h.zMin) / (h.zMax - h.zMin)) * HEIGHT;

    this.mesh = this.surfaceMesh(surface, h, zOf, options.colormap, options.paint);
    this.content.add(this.mesh);
    if (options.wireframe) this.content.add(this.wireframe(surface, h, zOf, options.colormap));
    if (options.contours) this.content.add(this.contours(surface, h, zOf, options.log, options.colormap));
    if (options.trajectory) {
      const line = this.trajectory(surface, h, zOf, options.log);
      if (line) this.content.add(line);
    }
    for (const path of options.paths ?? []) this.content.add(this.path(path, h, zOf, options.log));
    this.content.add(this.markers(surface, h, zOf));
    this.content.add(this.axes(surface, h, zOf, options.log, theme.fg, options.labels ?? true));
    this.fitLabels();
    this.render();
  }

  /** α, β and interpolated J under a point of the canvas (CSS pixels from its top left), or null. */
  pick(x: number, y: number): { alpha: number; beta: number; J: number } | null {
    if (!this.mesh || !this.surface) return null;
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return null;
    this.raycaster.setFromCamera(new Vector2((x / rect.width) * 2 - 1, 1 - (y / rect.height) * 2), this.camera);
    const hit = this.raycaster.intersectObject(this.mesh, false)[0];
    if (!hit) return null;
    const alpha = this.frame.alpha0 + hit.point.x * this.frame.extent;
    const beta = this.frame.beta0 + hit.point.y * this.frame.extent;
    const J = costAt(this.surface, alpha, beta);
    return J === null ? null : { alpha, beta, J };
  }

  render(): void {
    this.placeLabels();
    this.renderer.render(this.scene, this.camera);
    // The labels as drawn, for a reader of the page (and the tests' "labels never overlap").
    this.canvas.dataset.labelBoxes = JSON.stringify(this.shownLabels);
    // And the markers as drawn (the tests' "markers sit on the surface").
    this.canvas.dataset.markers = JSON.stringify(this.markerPoints());
    if (this.surface) this.hooks.rendered();
  }

  /**
   * Shows the labels that fit this camera: each one wholly inside the canvas and clear of every label
   * shown before it (axis names first, then α, β and J ticks, in order, so a crowded axis keeps every
   * other tick); the others are hidden until the camera or the size changes. A clipped tick would
   * misread ("-7" for "1e-7"), and J's ticks are on the colour bar too.
   */
  private placeLabels(): void {
    const w = this.host.clientWidth;
    const hgt = this.host.clientHeight;
    this.scene.updateMatrixWorld();
    this.camera.updateMatrixWorld();
    const sprites: Sprite[] = [];
    this.content.traverse((o) => {
      if (o instanceof Sprite && o.userData.label) sprites.push(o);
    });
    const rank = (s: Sprite) => (s.userData.label as LabelData).rank ?? 0;
    sprites.sort((a, b) => rank(a) - rank(b));
    const placer = new LabelPlacer(w, hgt);
    for (const sprite of sprites) sprite.visible = placer.place(this.labelBox(sprite, w, hgt));
    this.shownLabels = placer.placed;
  }

  /**
   * A label's text box on the canvas, in CSS pixels from its top left: its corners placed as three.js's
   * sprite shader places the quad's (view-space offsets by the sprite's scale and centre, times the
   * depth when size attenuation is off, then projected; rotation is never set).
   */
  private labelBox(sprite: Sprite, w: number, hgt: number): LabelBox {
    const label = sprite.userData.label as LabelData;
    const mv = new Vector3().setFromMatrixPosition(sprite.matrixWorld).applyMatrix4(this.camera.matrixWorldInverse);
    const depth = sprite.material.sizeAttenuation ? 1 : -mv.z;
    const sx = new Vector3().setFromMatrixColumn(sprite.matrixWorld, 0).length() * depth;
    const sy = new Vector3().setFromMatrixColumn(sprite.matrixWorld, 1).length() * depth;
    const corner = (cx: number, cy: number) => {
      const p = new Vector3(mv.x + (cx - (sprite.center.x - 0.5)) * sx, mv.y + (cy - (sprite.center.y - 0.5)) * sy, mv.z).applyMatrix4(this.camera.projectionMatrix);
      return [((p.x + 1) / 2) * w, ((1 - p.y) / 2) * hgt];
    };
    const [ix, iy] = label.inset;
    const [x0, y0] = corner(-0.5 + ix, -0.5 + iy);
    const [x1, y1] = corner(0.5 - ix, 0.5 - iy);
    const round = (v: number) => Math.round(v * 10) / 10;
    return { text: label.text, left: round(Math.min(x0, x1)), top: round(Math.min(y0, y1)), right: round(Math.max(x0, x1)), bottom: round(Math.max(y0, y1)) };
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.clear();
    this.controls.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
  }

  private resize(): void {
    const w = this.host.clientWidth;
    const hgt = this.host.clientHeight;
    if (w === 0 || hgt === 0) return;
    this.renderer.setSize(w, hgt, false);
    this.camera.aspect = w / hgt;
    // A view narrower than tall keeps the horizontal field of view (and so the whole surface).
    this.camera.fov = this.camera.aspect >= 1 ? FOV : (2 * Math.atan(Math.tan((FOV * Math.PI) / 360) / this.camera.aspect) * 180) / Math.PI;
    this.camera.updateProjectionMatrix();
    this.fitLabels();
    this.render();
  }

  private fitLabels(): void {
    const hgt = this.host.clientHeight;
    this.content.traverse((o) => {
      if (o instanceof Sprite) fitLabel(o, this.camera, hgt);
    });
  }

  private clear(): void {
    this.content.traverse((o: Object3D) => {
      const m = o as Partial<Mesh>;
      m.geometry?.dispose();
      const materials = (Array.isArray(m.material) ? m.material : m.material ? [m.material] : []) as (Material & { map?: { dispose(): void } | null })[];
      for (const mat of materials) {
        mat.map?.dispose();
        mat.dispose();
      }
    });
    this.content.clear();
    this.mesh = null;
    this.surface = null;
  }

  /** Whether (α, β) lies on the drawn grid. */
  inside(alpha: number, beta: number): boolean {
    const s = this.surface;
    if (!s) return false;
    const a = s.alphas;
    const b = s.betas;
    const slack = 1e-9 * this.frame.extent;
    return alpha >= a[0] - slack && alpha <= a[a.length - 1] + slack && beta >= b[0] - slack && beta <= b[b.length - 1] + slack;
  }

  /**
   * The view drawn at `width` device pixels wide (the on-screen aspect ratio), for a PNG: labels keep
   * their size relative to the view, so a large export reads like the screen, only sharper.
   */
  snapshot(width: number): HTMLCanvasElement {
    const w = this.host.clientWidth;
    const hgt = this.host.clientHeight;
    const height = Math.round((width * hgt) / Math.max(1, w));
    const ratio = this.renderer.getPixelRatio();
    this.renderer.setPixelRatio(1);
    this.renderer.setSize(width, height, false);
    this.renderer.render(this.scene, this.camera);
    const out = document.createElement('canvas');
    out.width = width;
    out.height = height;
    (out.getContext('2d') as CanvasRenderingContext2D).drawImage(this.renderer.domElement, 0, 0);
    this.renderer.setPixelRatio(ratio);
    this.renderer.setSize(w, hgt, false);
    this.render();
    return out;
  }

  private x(alpha: number): number {
    return (alpha - this.frame.alpha0) / this.frame.extent;
  }

  private y(beta: number): number {
    return (beta - this.frame.beta0) / this.frame.extent;
  }

  /** Grid-index coordinates → world x, y. */
  private gridXY(s: SurfaceView, gx: number, gy: number): [number, number] {
    return [this.x(atIndex(s.alphas, gx)), this.y(atIndex(s.betas, gy))];
  }

  private surfaceMesh(s: SurfaceView, h: Heights, zOf: (z: number) => number, map: ColormapName, paint?: ViewOptions['paint']): Mesh {
    const nx = s.alphas.length;
    const ny = s.betas.length;
    const positions = new Float32Array(nx * ny * 3);
    for (let i = 0; i < ny; i++) {
      for (let j = 0; j < nx; j++) {
        const k = i * nx + j;
        positions[3 * k] = this.x(s.alphas[j]);
        positions[3 * k + 1] = this.y(s.betas[i]);
        positions[3 * k + 2] = Number.isFinite(h.z[k]) ? zOf(h.z[k]) : 0;
      }
    }
    const index: number[] = [];
    for (let i = 0; i + 1 < ny; i++) {
      for (let j = 0; j + 1 < nx; j++) {
        const q = i * nx + j;
        if (![q, q + 1, q + nx, q + nx + 1].every((k) => Number.isFinite(h.z[k]))) continue;
        index.push(q, q + 1, q + nx + 1, q, q + nx + 1, q + nx);
      }
    }
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new BufferAttribute(positions, 3));
    geometry.setIndex(index);
    geometry.computeVertexNormals();
    // Shading is baked into the vertex colours from a fixed light, so the colours stay close to the
    // legend's and no lights are needed.
    const normals = geometry.getAttribute('normal');
    const light = new Vector3(-0.4, -0.5, 1).normalize();
    const colors = new Float32Array(nx * ny * 3);
    const n = new Vector3();
    for (let k = 0; k < nx * ny; k++) {
      const t = paint ? Math.min(1, Math.max(0, paint.scale(paint.values[k]))) : Number.isFinite(h.z[k]) ? (h.z[k] - h.zMin) / (h.zMax - h.zMin) : 1;
      const rgb = paint && !Number.isFinite(paint.values[k]) ? [0.6, 0.6, 0.6] : colormap(paint?.colormap ?? map, t);
      n.fromBufferAttribute(normals, k);
      const shade = 0.72 + 0.28 * Math.abs(n.dot(light));
      for (let c = 0; c < 3; c++) colors[3 * k + c] = linear(rgb[c]) * shade;
    }
    geometry.setAttribute('color', new BufferAttribute(colors, 3));
    const material = new MeshBasicMaterial({ vertexColors: true, side: DoubleSide, polygonOffset: true, polygonOffsetFactor: 1, polygonOffsetUnits: 1 });
    return new Mesh(geometry, material);
  }

  private lineMaterial(color: string, opacity: number): LineBasicMaterial {
    return new LineBasicMaterial({ color: new Color(color), transparent: opacity < 1, opacity });
  }

  /**
   * Grid lines in a colour that contrasts with the surface under them (near-black on the light end
   * of a colormap, near-white on the dark end), so the wireframe shows on every colormap and theme.
   */
  private wireframe(s: SurfaceView, h: Heights, zOf: (z: number) => number, map: ColormapName): LineSegments {
    const nx = s.alphas.length;
    const ny = s.betas.length;
    // At most ~32 lines each way, so fine grids stay legible.
    const sx = Math.max(1, Math.ceil((nx - 1) / 32));
    const sy = Math.max(1, Math.ceil((ny - 1) / 32));
    const points: number[] = [];
    const colors: number[] = [];
    const vertex = (i: number, j: number) => {
      const k = i * nx + j;
      points.push(this.x(s.alphas[j]), this.y(s.betas[i]), zOf(h.z[k]) + 0.002);
      const [r, g, b] = colormap(map, (h.z[k] - h.zMin) / (h.zMax - h.zMin));
      const line = 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? 0.05 : 0.95;
      colors.push(linear(line), linear(line), linear(line));
    };
    const finite = (k: number) => Number.isFinite(h.z[k]);
    for (let i = 0; i < ny; i += sy) {
      for (let j = 0; j + 1 < nx; j++) {
        if (!finite(i * nx + j) || !finite(i * nx + j + 1)) continue;
        vertex(i, j);
        vertex(i, j + 1);
      }
    }
    for (let j = 0; j < nx; j += sx) {
      for (let i = 0; i + 1 < ny; i++) {
        if (!finite(i * nx + j) || !finite((i + 1) * nx + j)) continue;
        vertex(i, j);
        vertex(i + 1, j);
      }
    }
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new Float32BufferAttribute(points, 3));
    geometry.setAttribute('color', new Float32BufferAttribute(colors, 3));
    return new LineSegments(geometry, new LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.55 }));
  }

  private contours(s: SurfaceView, h: Heights, zOf: (z: number) => number, log: boolean, map: ColormapName): LineSegments {
    const nx = s.alphas.length;
    const ny = s.betas.length;
    const levels = log ? contourLevels(10 ** h.zMin, 10 ** h.zMax, CONTOUR_LEVELS, true) : contourLevels(h.zMin, h.zMax, CONTOUR_LEVELS, false);
    const points: number[] = [];
    const colors: number[] = [];
    for (const level of levels) {
      const z = heightOf(level, log, h.floor);
      const segments = marchingSquares(h.z, nx, ny, z);
      const lift = zOf(z) + 0.003;
      const rgb = contourColor(map, (z - h.zMin) / (h.zMax - h.zMin)).map(linear);
      for (let k = 0; k < segments.length; k += 2) {
        const [x, y] = this.gridXY(s, segments[k], segments[k + 1]);
        points.push(x, y, lift);
        colors.push(...rgb);
      }
    }
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new Float32BufferAttribute(points, 3));
    geometry.setAttribute('color', new Float32BufferAttribute(colors, 3));
    return new LineSegments(geometry, new LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.8 }));
  }

  private trajectory(s: SurfaceView, h: Heights, zOf: (z: number) => number, log: boolean): Line | null {
    const t = s.trajectory;
    if (t.alpha.length < 2) return null;
    const points: number[] = [];
    // Only the part of the path over the grid: a view zoomed on one point leaves the rest out.
    for (let k = 0; k < t.alpha.length; k++) {
      const z = heightOf(t.loss[k], log, h.floor);
      if (!Number.isFinite(z) || !this.inside(t.alpha[k], t.beta[k])) continue;
      points.push(this.x(t.alpha[k]), this.y(t.beta[k]), zOf(Math.min(Math.max(z, h.zMin), h.zMax)) + 0.012);
    }
    if (points.length < 6) return null;
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new Float32BufferAttribute(points, 3));
    return new Line(geometry, this.lineMaterial(TRAJECTORY_COLOR, 1));
  }

  /** A path over the surface (the part over the grid) and a dot at its last point. */
  private path(p: NonNullable<ViewOptions['paths']>[number], h: Heights, zOf: (z: number) => number, log: boolean): Group {
    const group = new Group();
    const points: number[] = [];
    for (let k = 0; k < p.alpha.length; k++) {
      const z = heightOf(p.loss[k], log, h.floor);
      if (!Number.isFinite(z) || !this.inside(p.alpha[k], p.beta[k])) continue;
      points.push(this.x(p.alpha[k]), this.y(p.beta[k]), zOf(Math.min(Math.max(z, h.zMin), h.zMax)) + 0.012);
    }
    if (points.length >= 6) {
      const geometry = new BufferGeometry();
      geometry.setAttribute('position', new Float32BufferAttribute(points, 3));
      group.add(new Line(geometry, this.lineMaterial(p.color, 1)));
    }
    if (points.length >= 3) {
      const dot = new Mesh(new SphereGeometry(0.016, 16, 12), new MeshBasicMaterial({ color: new Color(p.color) }));
      dot.position.set(points[points.length - 3], points[points.length - 2], points[points.length - 1]);
      group.add(dot);
    }
    return group;
  }

  /**
   * The three points, each on the surface at its (α, β): at the mesh's own height there (heightAt), on
   * every scale. Their own J (off the plane, or below the log floor) is in the legend, not in the height.
   */
  private markers(s: SurfaceView, h: Heights, zOf: (z: number) => number): Group {
    const group = new Group();
    for (const name of MARKERS) {
      const m = s.markers[name];
      if (!m || !this.inside(m.alpha, m.beta)) continue;
      const z = heightAt(s, h, m.alpha, m.beta);
      const sphere = new Mesh(new SphereGeometry(0.018, 20, 14), new MeshBasicMaterial({ color: new Color(MARKER_COLORS[name]) }));
      sphere.position.set(this.x(m.alpha), this.y(m.beta), (z === null ? 0 : zOf(z)) + 0.012);
      sphere.renderOrder = 5;
      sphere.userData.marker = { name, alpha: m.alpha, beta: m.beta };
      group.add(sphere);
    }
    return group;
  }

  /** Where each marker is drawn on the canvas (CSS pixels from its top left), with its (α, β). */
  private markerPoints(): { name: string; alpha: number; beta: number; x: number; y: number }[] {
    const w = this.host.clientWidth;
    const hgt = this.host.clientHeight;
    const out: { name: string; alpha: number; beta: number; x: number; y: number }[] = [];
    this.content.traverse((o) => {
      const m = o.userData.marker as { name: string; alpha: number; beta: number } | undefined;
      if (!m) return;
      const p = new Vector3().setFromMatrixPosition(o.matrixWorld).project(this.camera);
      out.push({ ...m, x: Math.round(((p.x + 1) / 2) * w * 10) / 10, y: Math.round(((1 - p.y) / 2) * hgt * 10) / 10 });
    });
    return out;
  }

  private axes(s: SurfaceView, h: Heights, zOf: (z: number) => number, log: boolean, color: string, withLabels: boolean): Group {
    const group = new Group();
    const nx = s.alphas.length;
    const ny = s.betas.length;
    const x0 = this.x(s.alphas[0]);
    const x1 = this.x(s.alphas[nx - 1]);
    const y0 = this.y(s.betas[0]);
    const y1 = this.y(s.betas[ny - 1]);
    const tick = 0.025;
    const lines: number[] = [];
    const seg = (a: [number, number, number], b: [number, number, number]) => lines.push(...a, ...b);
    const label = (rank: number, text: string, at: [number, number, number], px = 11, anchorX = 0.5) => {
      if (!withLabels) return;
      const sprite = textSprite(text, color, px, anchorX);
      (sprite.userData.label as LabelData).rank = rank;
      sprite.position.set(...at);
      group.add(sprite);
    };
    // The base frame, α along the front edge, β along the right edge, J up the front-left corner.
    seg([x0, y0, 0], [x1, y0, 0]);
    seg([x1, y0, 0], [x1, y1, 0]);
    seg([x1, y1, 0], [x0, y1, 0]);
    seg([x0, y1, 0], [x0, y0, 0]);
    seg([x0, y0, 0], [x0, y0, HEIGHT]);
    for (const v of axisTicks(s.alphas[0], s.alphas[nx - 1])) {
      const x = this.x(v);
      seg([x, y0, 0], [x, y0 - tick, 0]);
      label(1, formatNumber(v), [x, y0 - 0.07, 0]);
    }
    for (const v of axisTicks(s.betas[0], s.betas[ny - 1])) {
      const y = this.y(v);
      seg([x1, y, 0], [x1 + tick, y, 0]);
      label(2, formatNumber(v), [x1 + 0.05, y, 0], 11, 0);
    }
    for (const t of heightTicks(h.zMin, h.zMax, log)) {
      const z = zOf(t.z);
      seg([x0, y0, z], [x0 - tick, y0 - tick, z]);
      label(3, formatNumber(t.J, 2), [x0 - 0.045, y0 - 0.045, z], 11, 1);
    }
    // Long direction names would run out of the frame: those are left to the view's caption.
    const title = (letter: string, name: string) => (name.length <= 12 ? `${letter} ${name}` : letter);
    // The axis names sit beyond the tick labels, so the two never meet.
    label(0, title('α', s.axisLabels[0]), [(x0 + x1) / 2, y0 - 0.26, 0], 13);
    label(0, title('β', s.axisLabels[1]), [x1 + 0.26, (y0 + y1) / 2, 0], 13, 0.3);
    label(0, log ? 'J (log)' : 'J', [x0, y0, HEIGHT + 0.07], 12, 0);
    const geometry = new BufferGeometry();
    geometry.setAttribute('position', new Float32BufferAttribute(lines, 3));
    group.add(new LineSegments(geometry, this.lineMaterial(color, 0.7)));
    return group;
  }
}
