// JSON for the browser bridge that carries typed arrays intact: each becomes
// { "$typed": "Float32Array", "base64": … } of its little-endian bytes and comes back as the same
// type, bit-identical. (Electron's IPC clones typed arrays natively and does not need this.)
const TYPES = { Float32Array, Float64Array, Uint32Array, Int32Array, Uint8Array } as const;
type TypeName = keyof typeof TYPES;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypeName;
      if (name in TYPES) return { $typed: name, base64: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
    return v;
  });
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && '$typed' in v && 'base64' in v) {
      const { $typed, base64 } = v as { $typed: string; base64: string };
      // Own keys only: "constructor" or "__proto__" from a client must not find Object's.
      const Ctor = Object.hasOwn(TYPES, $typed) ? TYPES[$typed as TypeName] : undefined;
      if (!Ctor || typeof base64 !== 'string') throw new Error(`unknown typed array ${String($typed)}`);
      const bytes = fromBase64(base64);
      if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`${$typed} of ${bytes.byteLength} bytes`);
      return new Ctor(bytes.buffer as ArrayBuffer);
    }
    return v;
  });
}
