/**
 * manifest.json: what an export contains and how to check it. Written last, so an export
 * directory without a manifest is an unfinished export and never validates.
 */
import { join } from 'node:path';
import { NODE_FILES, type ExportFiles } from './files.js';
import { readText } from './lines.js';
import type { RedactionMethod } from './registry.js';

export const MANIFEST_FILE = 'manifest.json';
export const UNPARSED_FILE = '_unparsed.jsonl';

export type RedactionProfile = 'none' | 'pii';

export interface ManifestEntity {
  file: string;
  rows: number;
  sha256: string;
  bytes: number;
  primary_key: string;
}

export interface ManifestRedaction {
  entity: string;
  column: string;
  method: RedactionMethod;
  reason: string;
  rows: number;
}

export interface ManifestOmission {
  entity: string;
  persistence: 'ephemeral' | 'derived';
  reason: string;
  /** Items of this entity the scan saw (and did not export). */
  items_seen: number;
}

export interface ManifestUnparsed {
  /** Items the scan read but could not attribute to a parseable entity row. */
  count: number;
  by_reason: Record<string, number>;
  /** Raw copies of those items (keys included), so nothing is lost; null when there were none. */
  file: string | null;
  sha256: string | null;
}

export interface ExportManifest {
  schema_version: string;
  exported_at: string;
  source: {
    table_name: string;
    scanned_items: number;
    segments: number;
    consistent_read: boolean;
    scan_started_at: string;
    scan_finished_at: string;
  };
  /** Durable entities, by export name. */
  entities: Record<string, ManifestEntity>;
  redaction_profile: RedactionProfile;
  redactions: ManifestRedaction[];
  omitted_entities: ManifestOmission[];
  unparsed: ManifestUnparsed;
  /** Stored attributes outside the entity schema, by "entity.attribute": they are not in the export. */
  dropped_attributes: Record<string, number>;
}

/** The manifest's text; a missing manifest is PATH_NOT_FOUND, other failures typed as well (files.ts). */
export async function readManifestText(dir: string, files: ExportFiles = NODE_FILES): Promise<string> {
  return readText(join(dir, MANIFEST_FILE), files);
}
