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

/**
 * The array's bytes, little-endian: on a little-endian machine a view of its memory, not a copy —
 * SQLite copies a bound blob itself, and an import of a large file would otherwise hold every array
 * twice more until the next garbage collection.
 */
export function toBlob(a: TypedArray): Buffer {
  return LITTLE_ENDIAN ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : Buffer.from(swapped(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), a.BYTES_PER_ELEMENT));
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

/**
 * fromBlob for a Buffer nothing else holds (a base64 decode): its memory is taken over rather than
 * copied when it is a buffer of its own on a little-endian machine, so an import holds each array
 * once, not twice until the next garbage collection.
 */
export function adoptBlob<D extends DType>(dtype: D, blob: Buffer): ArrayOf<D> {
  const Ctor = CTORS[dtype];
  const own = blob.byteOffset === 0 && blob.buffer.byteLength === blob.byteLength;
  if (!LITTLE_ENDIAN || !own || blob.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) return fromBlob(dtype, blob);
  return new Ctor(blob.buffer as ArrayBuffer, 0, blob.byteLength / Ctor.BYTES_PER_ELEMENT) as ArrayOf<D>;
}
