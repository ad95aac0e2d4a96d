export function compileWat(text: string, name: string): Promise<Buffer>;
export function compileC(path: string): Buffer;
export function moduleSource(name: string, bytes: Buffer): string;
