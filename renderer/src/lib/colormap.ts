// Perceptual colour maps for costs. Control points are matplotlib's 256-entry tables (CC0) sampled every
// 16th entry plus the last, so linear interpolation between them stays within a few 1/255 of the original.

export type ColormapName = 'viridis' | 'magma' | 'cividis';
export const COLORMAPS: ColormapName[] = ['viridis', 'magma', 'cividis'];

type Rgb = [number, number, number];

/** Table positions of the control points: entries 0, 16, …, 240 and 255 of 256. */
const POSITIONS = [...Array.from({ length: 16 }, (_, k) => (16 * k) / 255), 1];

const TABLES: Record<ColormapName, Rgb[]> = {
  viridis: [
    [0.267004, 0.004874, 0.329415], [0.282327, 0.094955, 0.417331], [0.278826, 0.17549, 0.483397],
    [0.258965, 0.251537, 0.524736], [0.229739, 0.322361, 0.545706], [0.19943, 0.387607, 0.554642],
    [0.172719, 0.448791, 0.557885], [0.149039, 0.508051, 0.55725], [0.127568, 0.566949, 0.550556],
    [0.120638, 0.625828, 0.533488], [0.157851, 0.683765, 0.501686], [0.24607, 0.73891, 0.452024],
    [0.369214, 0.788888, 0.382914], [0.515992, 0.831158, 0.294279], [0.678489, 0.863742, 0.189503],
    [0.845561, 0.887322, 0.099702], [0.993248, 0.906157, 0.143936],
  ],
  magma: [
    [0.001462, 0.000466, 0.013866], [0.039608, 0.03109, 0.133515], [0.113094, 0.065492, 0.276784],
    [0.211718, 0.061992, 0.418647], [0.316654, 0.07169, 0.48538], [0.414709, 0.110431, 0.504662],
    [0.512831, 0.148179, 0.507648], [0.613617, 0.181811, 0.498536], [0.716387, 0.214982, 0.47529],
    [0.816914, 0.255895, 0.436461], [0.904281, 0.31961, 0.388137], [0.960949, 0.418323, 0.35963],
    [0.9867, 0.535582, 0.38221], [0.996096, 0.653659, 0.446213], [0.996898, 0.769591, 0.534892],
    [0.99244, 0.88433, 0.640099], [0.987053, 0.991438, 0.749504],
  ],
  cividis: [
    [0.0, 0.135112, 0.304751], [0.0, 0.178802, 0.414764], [0.103401, 0.220406, 0.43579],
    [0.195057, 0.264372, 0.425924], [0.263738, 0.307831, 0.422789], [0.32425, 0.351289, 0.42625],
    [0.38083, 0.395164, 0.435653], [0.435168, 0.439763, 0.451134], [0.488697, 0.485318, 0.471008],
    [0.54784, 0.531895, 0.471704], [0.609105, 0.579816, 0.463638], [0.671991, 0.629316, 0.448018],
    [0.736488, 0.680629, 0.424028], [0.802667, 0.733978, 0.390153], [0.870717, 0.789572, 0.343333],
    [0.941147, 0.84753, 0.275815], [0.995737, 0.909344, 0.217772],
  ],
};

/** The colour at t ∈ [0, 1] (clamped; NaN gives the low end), as linear-interpolated sRGB in [0, 1]. */
export function colormap(name: ColormapName, t: number): [number, number, number] {
  const table = TABLES[name];
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  let k = 0;
  while (k < POSITIONS.length - 2 && u > POSITIONS[k + 1]) k++;
  const f = (u - POSITIONS[k]) / (POSITIONS[k + 1] - POSITIONS[k]);
  const a = table[k];
  const b = table[k + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** An rgb triple in [0, 1] as a CSS colour. */
export function cssColor(rgb: readonly [number, number, number] | readonly number[]): string {
  const c = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  return `rgb(${c(rgb[0])} ${c(rgb[1])} ${c(rgb[2])})`;
}

/** A line colour that stands out on the map's colour at t: the far end of the map, light on dark. */
export function contourColor(name: ColormapName, t: number): [number, number, number] {
  return colormap(name, t < 0.5 ? 0.97 : 0.03);
}
