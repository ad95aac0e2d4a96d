// A cost surface as a triangle mesh file: OBJ, ASCII STL and VTK PolyData (.vtp). Pure functions of
// the stored surface, in its own units: x = α, y = β, z = J (raw cost, not log, not scaled).
//
// Every number written is finite. A diverged grid point has J = ±Infinity or NaN, which JavaScript
// writes as "Infinity"/"NaN": VTK's ASCII reader (C++ stream extraction) and most mesh readers refuse
// those tokens and the whole file with them. Such a point is written at a finite stand-in height, no
// triangle uses it, and the VTP marks it with valid = 0.
import type { SurfaceView } from '../../../shared/api.js';

/** The part of a surface a mesh needs; SurfaceView has it. */
export type MeshSource = Pick<SurfaceView, 'id' | 'alphas' | 'betas' | 'loss' | 'axisLabels' | 'center'>;

interface Mesh {
  /** x, y, z per vertex; vertex i·nα + j is (α_j, β_i). */
  points: Float64Array;
  /** Three vertex indices per triangle, counter-clockwise seen from +z. */
  triangles: Uint32Array;
}

/**
 * J where it is finite; elsewhere the stand-in a reader can parse: the largest finite J for +∞ and
 * NaN (a diverged cost is a large one), the smallest for −∞, 0 when no J is finite. Keeping every
 * grid point (rather than dropping the diverged ones) keeps the vertex numbering i·nα + j.
 */
export function finiteCosts(loss: ArrayLike<number>): { cost: Float64Array; valid: Uint8Array; diverged: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < loss.length; k++) {
    if (!Number.isFinite(loss[k])) continue;
    if (loss[k] < lo) lo = loss[k];
    if (loss[k] > hi) hi = loss[k];
  }
  const cost = new Float64Array(loss.length);
  const valid = new Uint8Array(loss.length);
  let diverged = 0;
  for (let k = 0; k < loss.length; k++) {
    const v = loss[k];
    valid[k] = Number.isFinite(v) ? 1 : 0;
    if (valid[k]) cost[k] = v;
    else {
      diverged++;
      cost[k] = hi === -Infinity ? 0 : v === -Infinity ? lo : hi;
    }
  }
  return { cost, valid, diverged };
}

/** Two triangles per grid cell; cells with a non-finite corner (a diverged cost) are left open. */
function mesh(s: MeshSource): Mesh {
  const nx = s.alphas.length;
  const ny = s.betas.length;
  const { cost } = finiteCosts(s.loss);
  const points = new Float64Array(nx * ny * 3);
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nx; j++) {
      const k = i * nx + j;
      points[3 * k] = s.alphas[j];
      points[3 * k + 1] = s.betas[i];
      points[3 * k + 2] = cost[k];
    }
  }
  const triangles: number[] = [];
  for (let i = 0; i + 1 < ny; i++) {
    for (let j = 0; j + 1 < nx; j++) {
      const a = i * nx + j;
      const b = a + 1;
      const c = a + nx + 1;
      const d = a + nx;
      if (![a, b, c, d].every((k) => Number.isFinite(s.loss[k]))) continue;
      triangles.push(a, b, c, a, c, d);
    }
  }
  return { points, triangles: Uint32Array.from(triangles) };
}

function header(s: MeshSource): string {
  return `Landscape Lab cost surface ${s.id} (center ${s.center}): x = α (${s.axisLabels[0]}), y = β (${s.axisLabels[1]}), z = J`;
}

export function surfaceToObj(s: MeshSource): string {
  const { points, triangles } = mesh(s);
  const lines = [`# ${header(s)}`];
  const { diverged } = finiteCosts(s.loss);
  if (diverged > 0) lines.push(`# ${diverged} vertices had a non-finite cost (diverged): no face uses them; their z is a finite stand-in`);
  for (let k = 0; k < points.length; k += 3) lines.push(`v ${points[k]} ${points[k + 1]} ${points[k + 2]}`);
  // OBJ indices are 1-based.
  for (let t = 0; t < triangles.length; t += 3) lines.push(`f ${triangles[t] + 1} ${triangles[t + 1] + 1} ${triangles[t + 2] + 1}`);
  return lines.join('\n') + '\n';
}

export function surfaceToStl(s: MeshSource): string {
  const { points: p, triangles } = mesh(s);
  const name = `landscape_surface_${s.id}`;
  const lines = [`solid ${name}`];
  for (let t = 0; t < triangles.length; t += 3) {
    const [a, b, c] = [3 * triangles[t], 3 * triangles[t + 1], 3 * triangles[t + 2]];
    const u = [p[b] - p[a], p[b + 1] - p[a + 1], p[b + 2] - p[a + 2]];
    const v = [p[c] - p[a], p[c + 1] - p[a + 1], p[c + 2] - p[a + 2]];
    // Edges scaled to at most 1 first: the cross product of edges of finite but huge costs (1e200)
    // would overflow to Infinity and make the normal NaN.
    const scale = Math.max(...u.map(Math.abs), ...v.map(Math.abs)) || 1;
    const [us, vs] = [u.map((x) => x / scale), v.map((x) => x / scale)];
    const n = [us[1] * vs[2] - us[2] * vs[1], us[2] * vs[0] - us[0] * vs[2], us[0] * vs[1] - us[1] * vs[0]];
    const len = Math.hypot(n[0], n[1], n[2]);
    const normal = len > 0 && Number.isFinite(len) ? n.map((x) => x / len) : [0, 0, 1];
    lines.push(`  facet normal ${normal.join(' ')}`, '    outer loop');
    for (const k of [a, b, c]) lines.push(`      vertex ${p[k]} ${p[k + 1]} ${p[k + 2]}`);
    lines.push('    endloop', '  endfacet');
  }
  lines.push(`endsolid ${name}`);
  return lines.join('\n') + '\n';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

export function surfaceToVtp(s: MeshSource): string {
  const { points, triangles } = mesh(s);
  const { cost, valid, diverged } = finiteCosts(s.loss);
  const note = diverged > 0 ? `; ${diverged} points have a non-finite J (diverged): valid = 0, J and z there are finite stand-ins, no polygon uses them` : '';
  const nPoints = points.length / 3;
  const nPolys = triangles.length / 3;
  const offsets = Array.from({ length: nPolys }, (_, t) => 3 * (t + 1));
  return [
    '<?xml version="1.0"?>',
    `<!-- ${escapeXml(header(s) + note).replace(/--/g, '- -')} -->`,
    '<VTKFile type="PolyData" version="0.1" byte_order="LittleEndian">',
    '  <PolyData>',
    `    <Piece NumberOfPoints="${nPoints}" NumberOfVerts="0" NumberOfLines="0" NumberOfStrips="0" NumberOfPolys="${nPolys}">`,
    '      <PointData Scalars="J">',
    `        <DataArray type="Float64" Name="J" format="ascii">${Array.from(cost).join(' ')}</DataArray>`,
    `        <DataArray type="UInt8" Name="valid" format="ascii">${Array.from(valid).join(' ')}</DataArray>`,
    '      </PointData>',
    '      <Points>',
    `        <DataArray type="Float64" NumberOfComponents="3" format="ascii">${Array.from(points).join(' ')}</DataArray>`,
    '      </Points>',
    '      <Polys>',
    `        <DataArray type="Int32" Name="connectivity" format="ascii">${Array.from(triangles).join(' ')}</DataArray>`,
    `        <DataArray type="Int32" Name="offsets" format="ascii">${offsets.join(' ')}</DataArray>`,
    '      </Polys>',
    '    </Piece>',
    '  </PolyData>',
    '</VTKFile>',
    '',
  ].join('\n');
}
