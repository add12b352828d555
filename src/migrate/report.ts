/**
 * The migration report: what was read, written, found already migrated and skipped, per source
 * collection; every skipped row with its reason; every dropped field with its count; every
 * warning; the ID mapping. The JSON form is the report file (`--report`) and `--json`; the
 * tables are for people.
 */
import type { CronMeaning } from './cron.js';
import type { SourceCollection } from './source-records.js';

export const WARNING_CODES = [
  /** Two prototype users share an e-mail address (case-insensitively); the later ones are merged into the first. */
  'DUPLICATE_EMAIL',
  /** The target table already has a user with this e-mail: the prototype user is mapped to it. */
  'EXISTING_USER_REUSED',
  /** The prototype had no roles: migrated users are operators (the migration actor is an admin). */
  'ROLES_ASSIGNED',
  /** The schedule's cron means something else to the store than it did to the prototype (both readings attached). */
  'CRON_MEANING_CHANGED',
  /** The prototype's cron never matched a date: the schedule is migrated disabled. */
  'SCHEDULE_NEVER_RUNS',
  /** A file's bytes are not in --uploads-dir. */
  'MISSING_UPLOAD',
  /** Files need --uploads-dir (size and SHA-256 are required). */
  'UPLOADS_NOT_GIVEN',
  /** Where the file rows say the bytes are: copy the uploads there. */
  'FILES_LOCATION',
  /** SHA-256 or size in the source differ from the bytes in --uploads-dir (the bytes win). */
  'UPLOAD_MISMATCH',
  /** Templates go to Git: without --templates-repo they are not migrated. */
  'TEMPLATES_NOT_MIGRATED',
  /** A template's automatic bundle creation (trigger) has no counterpart and is not migrated. */
  'TEMPLATE_TRIGGER_NOT_MIGRATED',
  /** A template task's refId is not a valid ref (TEMPLATE_REF): the template file, its bundles' instances and their tasks use the new ref (`ref` has both). */
  'REF_RENAMED',
  /** A reference to a record that is not migrated (deleted user, bundle, template, …) was left out. */
  'UNKNOWN_REFERENCE',
  /** A value outside the store's vocabulary was replaced by the default. */
  'VALUE_REPLACED',
  /** An invalid value (date, timestamp, URL, tag) was left out. */
  'INVALID_VALUE_DROPPED',
  /** A text longer than the store allows was shortened (the full text is kept where there is room, see the message). */
  'TEXT_SHORTENED',
  /** completed_at of done tasks is the prototype's updatedAt: the last change, not necessarily the completion. */
  'COMPLETED_AT_APPROXIMATE',
  /** The item already exists in the target with different content (changed since the last run): it was kept, not overwritten. */
  'TARGET_DIFFERS',
  /** A note about the source (a missing table, an export's redactions). */
  'SOURCE_NOTE',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface MigrationWarning {
  code: WarningCode;
  collection?: SourceCollection | 'other';
  source_id?: string;
  message: string;
  /** CRON_MEANING_CHANGED: both readings. */
  cron?: CronMeaning;
  /** REF_RENAMED: the prototype's refId and the ref the migration wrote instead. */
  ref?: { from: string; to: string };
}

export interface SkippedRow {
  collection: SourceCollection | 'other';
  source: string;
  source_id: string;
  reason: string;
}

export interface DroppedField {
  collection: SourceCollection;
  field: string;
  count: number;
  reason: string;
}

export interface IdMapping {
  collection: SourceCollection;
  source_id: string;
  entity: string;
  target_id: string;
  /** e.g. "merged into the user with the same e-mail", "existing user reused". */
  note?: string;
}

export interface CollectionCounts {
  collection: SourceCollection | 'other';
  source: string;
  read: number;
  written: number;
  unchanged: number;
  /** Already in the target with different content: kept as it is (see TARGET_DIFFERS). */
  differs: number;
  skipped: number;
}

export interface TemplateOutcome {
  source_id: string;
  name: string;
  /** template_id: the path in the templates repository. */
  path: string;
  /** template_version: the commit (null on a dry run that would commit it). */
  commit: string | null;
  status: 'committed' | 'unchanged' | 'would_commit';
}

export interface MigrationReport {
  route: 'prototype' | 'dataops-export';
  source: string;
  target_table: string;
  dry_run: boolean;
  /** When the run started (the only time-dependent value; it is not written to any row). */
  started_at: string;
  actor: { user_id: string; email: string; created: boolean };
  default_time_zone: string;
  templates_repo: string | null;
  uploads_dir: string | null;
  /** Items written to the target table (dry run: that would be written), user_email claims and template instances included. */
  items_written: number;
  counts: CollectionCounts[];
  skipped: SkippedRow[];
  dropped_fields: DroppedField[];
  never_migrated: { password_hashes: number; sessions: number; empty_link_slots: number };
  warnings: MigrationWarning[];
  templates: TemplateOutcome[];
  id_map: IdMapping[];
}

/** Accumulates the report while the source is mapped and the rows are written. */
export class ReportBuilder {
  readonly skipped: SkippedRow[] = [];
  readonly warnings: MigrationWarning[] = [];
  readonly idMap: IdMapping[] = [];
  readonly templates: TemplateOutcome[] = [];
  readonly neverMigrated = { password_hashes: 0, sessions: 0, empty_link_slots: 0 };
  private readonly dropped = new Map<string, DroppedField>();
  private readonly counts = new Map<string, CollectionCounts>();
  itemsWritten = 0;

  collection(collection: SourceCollection | 'other', source: string): CollectionCounts {
    const key = `${collection}\u0000${source}`;
    let counts = this.counts.get(key);
    if (!counts) {
      counts = { collection, source, read: 0, written: 0, unchanged: 0, differs: 0, skipped: 0 };
      this.counts.set(key, counts);
    }
    return counts;
  }

  skip(row: SkippedRow): void {
    this.skipped.push(row);
    this.collection(row.collection, row.source).skipped += 1;
  }

  warn(warning: MigrationWarning): void {
    this.warnings.push(warning);
  }

  drop(collection: SourceCollection, field: string, reason: string): void {
    const key = `${collection}.${field}`;
    const existing = this.dropped.get(key);
    if (existing) existing.count += 1;
    else this.dropped.set(key, { collection, field, count: 1, reason });
  }

  mapId(mapping: IdMapping): void {
    this.idMap.push(mapping);
  }

  build(header: Omit<MigrationReport, 'counts' | 'skipped' | 'dropped_fields' | 'never_migrated' | 'warnings' | 'templates' | 'id_map' | 'items_written'>): MigrationReport {
    return {
      ...header,
      items_written: this.itemsWritten,
      counts: [...this.counts.values()],
      skipped: this.skipped,
      dropped_fields: [...this.dropped.values()],
      never_migrated: this.neverMigrated,
      warnings: this.warnings,
      templates: this.templates,
      id_map: this.idMap,
    };
  }
}

/**
 * Source rows left out that someone should look at (what --strict fails on). Sessions are left
 * out by design (their tokens must not move) and only counted, like password hashes.
 */
export function skippedForReview(report: MigrationReport): SkippedRow[] {
  return report.skipped.filter((row) => row.collection !== 'sessions');
}
