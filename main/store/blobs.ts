// Typed arrays as BLOBs: little-endian, as the schema states. Reading copies into a fresh, aligned
// array, so what comes back is bit-identical and owns its memory.
export type DType = 'f32' | 'f64' | 'u32' | 'i32';
export type TypedArray = Float32Array | Float64Array | Uint32Array | Int32Array;

const CTORS = { f32: Float32Array, f64: Float64Array, u32: Uint32Array, i32: Int32Array } as const;
export type ArrayOf<D extends DType> = InstanceType<(typeof CTORS)[D]>;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k];
  return out;
}

export function toBlob(a: TypedArray): Buffer {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.from(LITTLE_ENDIAN ? bytes : swapped(bytes, a.BYTES_PER_ELEMENT));
}

/** Decodes a BLOB; throws when its length is not a whole number of elements. */
export function fromBlob<D extends DType>(dtype: D, blob: Uint8Array): ArrayOf<D> {
  const Ctor = CTORS[dtype];
  if (blob.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw new Error(`a ${dtype} array cannot be ${blob.byteLength} bytes long`);
  }
  const copy = new Uint8Array(blob.byteLength);
  copy.set(LITTLE_ENDIAN ? blob : swapped(blob, Ctor.BYTES_PER_ELEMENT));
  return new Ctor(copy.buffer) as ArrayOf<D>;
}
