export function compileWat(text: string, name: string): Promise<Buffer>;
export function moduleSource(name: string, bytes: Buffer): string;
