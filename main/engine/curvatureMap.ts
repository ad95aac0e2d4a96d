// The convexity map of a cost surface (Li et al. 2018): at each grid point θ = c + α·d1 + β·d2, the
// extreme eigenvalues of the full Hessian, and of the Hessian of the drawn surface itself,
// ∂²J/∂(α,β)² = DᵀHD with D = [d1 d2]. |λmin/λmax| near 0 with λmin < 0 shows non-convexity that a
// convex-looking 2-D slice can hide.
import type { Dataset } from './data.js';
import { symmetricEigen } from './eigen.js';
import { HessianNet } from './hessian.js';
import type { Architecture } from './model.js';
import type { Plane } from './kernel.js';

export interface CurvaturePoints {
  /** Extreme eigenvalues of the full Hessian at each point. */
  lambdaMin: Float64Array;
  lambdaMax: Float64Array;
  /** Extreme eigenvalues of the 2×2 Hessian of the surface in (α, β). */
  planeMin: Float64Array;
  planeMax: Float64Array;
}

/** The curvature at the plane points (alpha[k], beta[k]), in this thread. */
export function curvatureAt(arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): CurvaturePoints {
  const net = new HessianNet(arch);
  const P = net.layout.count;
  const { center, d1, d2 } = plane;
  const count = alpha.length;
  const out: CurvaturePoints = { lambdaMin: new Float64Array(count), lambdaMax: new Float64Array(count), planeMin: new Float64Array(count), planeMax: new Float64Array(count) };
  const theta = new Float64Array(P);
  const h1 = new Float64Array(P);
  const h2 = new Float64Array(P);
  for (let k = 0; k < count; k++) {
    // The point as the surface evaluates it: float32 parameters.
    for (let i = 0; i < P; i++) theta[i] = Math.fround(center[i] + alpha[k] * d1[i] + beta[k] * d2[i]);
    const { hessian } = net.hessian(theta, data);
    if (!hessian.every(Number.isFinite)) {
      out.lambdaMin[k] = out.lambdaMax[k] = out.planeMin[k] = out.planeMax[k] = NaN;
      continue;
    }
    const { values } = symmetricEigen(hessian, P);
    out.lambdaMin[k] = values[0];
    out.lambdaMax[k] = values[P - 1];
    for (let i = 0; i < P; i++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < P; j++) {
        a += hessian[i * P + j] * d1[j];
        b += hessian[i * P + j] * d2[j];
      }
      h1[i] = a;
      h2[i] = b;
    }
    let a11 = 0;
    let a12 = 0;
    let a22 = 0;
    for (let i = 0; i < P; i++) {
      a11 += d1[i] * h1[i];
      a12 += d1[i] * h2[i];
      a22 += d2[i] * h2[i];
    }
    // Eigenvalues of [[a11, a12], [a12, a22]] in closed form.
    const mean = (a11 + a22) / 2;
    const radius = Math.hypot((a11 - a22) / 2, a12);
    out.planeMin[k] = mean - radius;
    out.planeMax[k] = mean + radius;
  }
  return out;
}
