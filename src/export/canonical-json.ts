/**
 * Canonical JSON: object keys sorted (recursively, by UTF-16 code unit order), no whitespace,
 * `undefined` members left out. Two exports of the same data are therefore byte-identical and
 * diff line by line, whatever order DynamoDB or ElectroDB returned the attributes in.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((element) => (element === undefined ? null : canonicalize(element)));
  if (value !== null && typeof value === 'object') {
    if (value instanceof Set) return canonicalize([...value].sort());
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = canonicalize(member);
    }
    return out;
  }
  return value;
}

/** One line of a JSONL file (without the newline). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** Pretty, sorted JSON for small documents such as the manifest (trailing newline included). */
export function canonicalJsonPretty(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}

/** JSON for raw DynamoDB items that may hold sets or binary values (unparsed-item reports). */
export function rawItemJson(item: Record<string, unknown>): string {
  return canonicalJson(
    JSON.parse(
      JSON.stringify(item, (_key, value: unknown) => {
        if (value instanceof Set) return { $set: [...value].map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)) };
        if (value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
        if (typeof value === 'bigint') return value.toString();
        return value; // objects with toJSON (e.g. UnsafeNumber) were already converted by JSON.stringify
      }),
    ),
  );
}
