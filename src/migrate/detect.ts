/**
 * Telling a DataOps work-engine export from this store's own export.
 *
 * The DataOps work engine (github.com/DataTalksClub/dataops, backend/src/export/portable.ts,
 * docs/v1-execution-data-safety.md) writes `schema_version: "dataops.execution.v1"` with
 * `entity_files`, `entity_counts` and `sha256:`-prefixed `checksums`. This store's export used
 * the same string for a different format until it got its own (SCHEMA_VERSION in
 * src/export/registry.ts); its manifests have `entities` instead. No imports from src/export:
 * the validator calls this module.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DATAOPS_V1_SCHEMA_VERSION = 'dataops.execution.v1';
export const DATAOPS_MANIFEST_FILE = 'manifest.json';

/** The manifest of a DataOps v1 export, as its writer produces it. */
export interface DataopsManifest {
  schema_version: string;
  generated_at?: string;
  source_environment?: string;
  export_format_version?: number;
  entity_files: Record<string, string>;
  entity_counts?: Record<string, number>;
  checksums: Record<string, string>;
  redactions?: string[];
  omitted_entities?: string[];
}

export function isDataopsV1Manifest(value: unknown): value is DataopsManifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const manifest = value as Record<string, unknown>;
  const isObject = (member: unknown) => member !== null && typeof member === 'object' && !Array.isArray(member);
  return manifest.schema_version === DATAOPS_V1_SCHEMA_VERSION && isObject(manifest.entity_files) && isObject(manifest.checksums);
}

/** What to tell someone who hands a DataOps v1 export to validate-export or import; null when the manifest text is something else. */
export function dataopsExportMessage(manifestText: string, dir: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch {
    return null;
  }
  if (!isDataopsV1Manifest(parsed)) return null;
  return `a DataOps work-engine export: run \`exstate migrate dataops-export ${dir}\` to move its data into this store (${DATAOPS_V1_SCHEMA_VERSION}, entity_files and sha256 checksums: not this store's export format)`;
}

/** True when `dir` holds a DataOps v1 export (its manifest says so). */
export async function detectDataopsV1Export(dir: string): Promise<boolean> {
  try {
    return isDataopsV1Manifest(JSON.parse(await readFile(join(dir, DATAOPS_MANIFEST_FILE), 'utf8')));
  } catch {
    return false;
  }
}
