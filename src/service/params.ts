// Checks of request parameters: every API call reads its parameters through these, so a request with a
// missing, mistyped or out-of-range field is refused with BAD_REQUEST before anything changes.

import { ApiError } from '../client/api.ts';

/** The parameters object of a request (anything else is refused). */
export function paramsObject(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ApiError('BAD_REQUEST', "'params' must be an object");
  return value as Record<string, unknown>;
}

/** A required non-negative safe integer below 2^32 (ids, sizes). */
export function uint(p: Record<string, unknown>, name: string, max = 0xffffffff): number {
  const v = p[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new ApiError('BAD_REQUEST', `'${name}' must be an integer from 0 to ${max}, not ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

/** An optional non-negative integer. */
export function optUint(p: Record<string, unknown>, name: string, max = 0xffffffff): number | undefined {
  return p[name] === undefined ? undefined : uint(p, name, max);
}

/** A required string of at most `maxLength` characters. */
export function str(p: Record<string, unknown>, name: string, maxLength = 4096): string {
  const v = p[name];
  if (typeof v !== 'string' || v.length > maxLength) throw new ApiError('BAD_REQUEST', `'${name}' must be a string of at most ${maxLength} characters`);
  return v;
}

/** An optional string. */
export function optStr(p: Record<string, unknown>, name: string, maxLength = 4096): string | undefined {
  return p[name] === undefined ? undefined : str(p, name, maxLength);
}

/** An optional string from a fixed set. */
export function optEnum<T extends string>(p: Record<string, unknown>, name: string, values: readonly T[]): T | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new ApiError('BAD_REQUEST', `'${name}' must be one of ${values.join('|')}`);
  return v as T;
}

/** Bytes given as a hex string (spaces allowed), at most `maxBytes`. */
export function hexBytes(p: Record<string, unknown>, name: string, maxBytes = 1 << 20, required = true): Uint8Array {
  const v = p[name];
  if (v === undefined && !required) return new Uint8Array(0);
  if (typeof v !== 'string') throw new ApiError('BAD_REQUEST', `'${name}' must be a hex string`);
  const hex = v.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new ApiError('BAD_REQUEST', `'${name}' is not an even number of hex digits`);
  if (hex.length / 2 > maxBytes) throw new ApiError('BAD_REQUEST', `'${name}' is longer than ${maxBytes} bytes`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
