/**
 * Redaction profiles. The default export (`none`) is restore-grade: every durable column, as
 * stored. The opt-in `pii` profile pseudonymizes the columns the registry marks as personal data,
 * deterministically and validly (e-mails stay unique and well-formed), for sharing an export with
 * someone who must not see operators' identities (a contractor, a dev environment). Import refuses
 * a redacted export unless told otherwise, so a pseudonymized copy is never restored over production.
 */
import type { EntityRegistryEntry, RedactionMethod } from './registry.js';
import type { ManifestRedaction, RedactionProfile } from './manifest.js';

export const REDACTION_PROFILES: readonly RedactionProfile[] = ['none', 'pii'];

const METHODS: Record<RedactionMethod, (value: unknown, row: Record<string, unknown>, entry: EntityRegistryEntry) => unknown> = {
  pseudonymize_email: (value, row, entry) =>
    typeof value === 'string' ? `${String(row[entry.primaryKey]).toLowerCase()}@redacted.invalid` : value,
  pseudonymize_name: (value, row, entry) => (typeof value === 'string' ? `Redacted ${String(row[entry.primaryKey]).slice(-6)}` : value),
};

/** Tracks what a profile changed, for the manifest. */
export class Redactor {
  private readonly rows = new Map<string, number>();

  constructor(readonly profile: RedactionProfile) {}

  apply(entry: EntityRegistryEntry, row: Record<string, unknown>): Record<string, unknown> {
    if (this.profile === 'none' || entry.redactedColumns.length === 0) return row;
    const out = { ...row };
    for (const redacted of entry.redactedColumns) {
      if (out[redacted.column] === undefined) continue;
      out[redacted.column] = METHODS[redacted.method](out[redacted.column], row, entry);
      const key = `${entry.entity}\u0000${redacted.column}`;
      this.rows.set(key, (this.rows.get(key) ?? 0) + 1);
    }
    return out;
  }

  /** The manifest's `redactions`: every column the profile covers, with the rows it changed. */
  summary(entries: readonly EntityRegistryEntry[]): ManifestRedaction[] {
    if (this.profile === 'none') return [];
    return entries.flatMap((entry) =>
      entry.redactedColumns.map((redacted) => ({
        entity: entry.exportName,
        column: redacted.column,
        method: redacted.method,
        reason: redacted.reason,
        rows: this.rows.get(`${entry.entity}\u0000${redacted.column}`) ?? 0,
      })),
    );
  }
}
