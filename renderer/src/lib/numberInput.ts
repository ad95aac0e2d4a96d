// A number input's bounds and step, read from the schema main validates the value with, so the
// browser's own validation accepts exactly what main does: its default, every value in range, and
// any decimal where the schema takes any (a hand-written step="0.1" from min 0.01 refused 1).
import { CHANNELS, type Channel } from '../../../shared/api';

interface NumberSchema {
  minValue: number | null;
  maxValue: number | null;
  isInt: boolean;
}

/** The number schema of one field of a channel's request. */
export function numberSchema(channel: Channel, field: string): NumberSchema {
  let schema = (CHANNELS[channel] as unknown as { shape: Record<string, unknown> }).shape[field] as { unwrap?: () => unknown; def?: unknown } & Partial<NumberSchema>;
  // Through optional/default wrappers, and to the number alternative of a union (a span or 'auto').
  for (;;) {
    if (!schema || schema.minValue !== undefined) break;
    const options = (schema as { options?: unknown[] }).options;
    if (Array.isArray(options)) schema = options.find((o) => (o as Partial<NumberSchema>).minValue !== undefined) as typeof schema;
    else if (typeof schema.unwrap === 'function') schema = schema.unwrap() as typeof schema;
    else break;
  }
  if (!schema || schema.minValue === undefined) throw new Error(`${channel}.${field} is not a number field`);
  return schema as NumberSchema;
}

/**
 * Attributes for `<input type="number">`: min and max where the schema bounds the value (a finite
 * bound only), step 1 for integers and "any" otherwise, and data-schema naming the field.
 */
export function numberInput(channel: Channel, field: string): { min?: number; max?: number; step: number | 'any'; 'data-schema': string } {
  const s = numberSchema(channel, field);
  const bound = (v: number | null) => (v !== null && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
  return { min: bound(s.minValue), max: bound(s.maxValue), step: s.isInt ? 1 : 'any', 'data-schema': `${channel}.${field}` };
}
