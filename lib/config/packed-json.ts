import { deflateRawSync, inflateRawSync } from 'node:zlib';

// Config too large for Lambda's 4 KB of environment (the campaigns with their templates) travels
// as deflated, base64-encoded JSON: infra packs it, the function unpacks it at cold start.

export const packJson = (value: unknown): string => deflateRawSync(JSON.stringify(value)).toString('base64');

export const unpackJson = (packed: string): string =>
  inflateRawSync(Buffer.from(packed, 'base64')).toString('utf8');
