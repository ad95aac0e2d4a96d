// One sentence per symmetry of a Hessian, the same in the Curvature panel and in `landscape-lab hessian`.
import type { SymmetryView } from './curvatureApi.js';
import { maxOf, minOf } from './numbers.js';

type Format = (v: number, digits: number) => string;

function range(values: readonly number[], fmt: Format): string {
  const lo = minOf(values);
  const hi = maxOf(values);
  return lo === hi ? fmt(lo, 3) : `${fmt(lo, 3)} … ${fmt(hi, 3)}`;
}

/**
 * What a symmetry says about the Hessian, in words, with its numbers. A rescaling keeps the cost
 * constant along a curve, not along the straight line of its tangent: the line's curvature is the
 * gradient's (0 only at a critical point), so the sentence names both and never calls a bending line flat.
 */
export function symmetryWords(s: SymmetryView, tolerance: number, fmt: Format): string {
  if (s.kind === 'symmetric-units') {
    const lo = s.curvature[0];
    const saddle = lo < -tolerance ? ' — negative: a saddle, and a push along it separates them' : '';
    return `${s.text}: the Hessian there has eigenvalues ${range(s.curvature, fmt)}${saddle}; ${s.zeros} of the zero eigenvalues lie there`;
  }
  if (s.kind === 'dead-unit') {
    return `${s.text}: curvature ${range(s.curvature, fmt)} along each; ${s.explains ? `${s.zeros} zero eigenvalues it explains` : 'not zero eigenvalues here'}`;
  }
  const along = s.alongCurve ?? 0;
  const curve = `${s.text}, where its curvature is ${Math.abs(along) <= tolerance ? `${fmt(along, 2)} ≈ 0` : fmt(along, 3)}`;
  if (s.explains) return `${curve}, as it is along its tangent line here (${fmt(s.curvature[0], 2)}): a zero eigenvalue it explains`;
  return `${curve}; its tangent line leaves the curve and bends by ${fmt(s.curvature[0], 3)} here, through the gradient (0 at a critical point): not a zero eigenvalue here`;
}
