/**
 * The mapping: prototype records (source-records.ts) to rows of this store, in the portable
 * export's row shape (the registry's columns, snake_case, absent optional values omitted).
 *
 * Pure: everything the mapping needs from the outside world (existing users in the target, where
 * the templates were committed, the uploaded files' sizes and checksums) is passed in, and the
 * result depends on nothing else, so the same source gives the same rows on every run and by
 * either route. IDs are deterministic (src/ids.ts deterministicId). What cannot be migrated is
 * reported through the ReportBuilder, never silently dropped. The field-by-field table is in
 * docs/adr/0006-migration-from-prototype.md.
 */
import { Cron } from 'croner';
import { checkEmail, isCalendarDate, LIST_LIMITS, localDate, TEXT_LIMITS } from '../formats.js';
import type { EntityName } from '../entities/index.js';
import { ValidationError } from '../errors.js';
import { deriveRow } from '../export/import.js';
import { deterministicId, isId } from '../ids.js';
import { compact } from '../services/records.js';
import { BUNDLE_STAGES, BUNDLE_STATUSES, FILE_CATEGORIES, TASK_SOURCES, TASK_STATUSES } from '../vocabulary.js';
import { describeCronMeaning, translatePrototypeCron } from './cron.js';
import type { ReportBuilder } from './report.js';
import type {
  PrototypeBundle,
  PrototypeFile,
  PrototypeNotification,
  PrototypeRecords,
  PrototypeRecurringConfig,
  PrototypeTask,
  PrototypeUser,
  SourceCollection,
  SourceRow,
} from './source-records.js';
import type { TemplateLocation } from './templates-git.js';
import type { UploadInfo } from './uploads.js';
import {
  calendarDate,
  fittedText,
  hasValue,
  isoTimestamp,
  optionalTimestamp,
  presentText,
  snakeCase,
  tagList,
  titleAndDescription,
  urlText,
  vocabulary,
  type Note,
} from './values.js';

export type Row = Record<string, unknown>;

export interface MappedItem {
  entity: EntityName;
  row: Row;
}

/** Items written together (one transaction): a row and what belongs to it (a user's e-mail claim, a bundle's template instance). */
export interface WriteGroup {
  collection: SourceCollection | 'actor';
  source: string;
  sourceId: string;
  items: MappedItem[];
}

export interface ExistingUser {
  user_id: string;
  email: string;
  display_name: string;
}

/** What the users (and the actor) are mapped from. */
export interface MappingInput {
  records: PrototypeRecords;
  /** IANA zone for users and schedules (the prototype has none). */
  timeZone: string;
  /** --actor: a user ID or an e-mail address. */
  actor: string;
  /** Users already in the target table, by lower-case e-mail (the actor's address included). */
  existingUsersByEmail: ReadonlyMap<string, ExistingUser>;
  /** When --actor is a user ID: that user, if the target table has it. */
  existingActorById: ExistingUser | null;
  /** The run's clock: only a newly created actor's timestamps use it. */
  now: Date;
}

/** What the rest is mapped with: the outcome of the Git and upload steps, which need the actor. */
export interface MappingDetails {
  /** Where each prototype template was committed; null without --templates-repo. */
  templates: ReadonlyMap<string, TemplateLocation> | null;
  /** By prototype template ID: each task definition's refId -> its ref in the template file, in template order (templates.ts). */
  templateRefs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Upload facts by prototype file ID (null: not found); null without --uploads-dir. */
  uploads: ReadonlyMap<string, UploadInfo | null> | null;
  /** The S3 bucket file rows name (the uploads are copied there). */
  filesBucket: string;
}

export interface ResolvedActor {
  user_id: string;
  email: string;
  display_name: string;
  /** The actor is created by this migration (not a prototype user, not in the target yet). */
  created: boolean;
}

export interface MappingResult {
  actor: ResolvedActor;
  /** In write order: referenced rows before the rows that reference them. */
  groups: WriteGroup[];
}

/** Prototype fields each collection's mapping reads; any other field with a value is reported as dropped. */
const CONSUMED: Record<Exclude<SourceCollection, 'templates' | 'sessions'>, readonly string[]> = {
  users: ['id', 'name', 'email', 'createdAt', 'passwordHash'],
  bundles: ['id', 'title', 'description', 'anchorDate', 'templateId', 'references', 'bundleLinks', 'emoji', 'tags', 'stage', 'status', 'createdAt', 'updatedAt'],
  tasks: [
    'id',
    'description',
    'date',
    'status',
    'source',
    'comment',
    'instructionsUrl',
    'link',
    'requiredLinkName',
    'requiresFile',
    'assigneeId',
    'tags',
    'bundleId',
    'templateTaskRef',
    'stageOnComplete',
    'recurringConfigId',
    'createdAt',
    'updatedAt',
    'waitingFor',
    'followUpAt',
    'completedAt',
    'createdBy',
  ],
  recurring_configs: ['id', 'description', 'cronExpression', 'assigneeId', 'enabled', 'instructionsUrl', 'tags', 'createdAt', 'updatedAt'],
  files: ['id', 'taskId', 'filename', 'category', 'tags', 'storagePath', 'createdAt', 'contentType', 'sizeBytes', 'checksum'],
  notifications: ['id', 'message', 'bundleId', 'userId', 'dismissed', 'createdAt', 'type', 'taskId', 'dueAt'],
};

const DROPPED_REASONS: Record<string, string> = {
  'notifications.templateId': 'a notification in the store names its bundle, not the template the bundle came from',
  'tasks.templateId': "a task's template is recorded by its bundle's template instance",
  'tasks.taskHistory': 'the DataOps task history is not migrated; task transitions start at the migration',
  'users.updatedAt': 'users get updated_at = created_at',
  'files.updatedAt': 'files get updated_at = created_at',
  'files.cardId': "a file goes under its task's bundle",
  'files.storageProvider': 'the store keeps files in S3 (storage_bucket, storage_key)',
};

/** A task's template ref as the migrated template file spells it: a renamed refId follows its definition; a ref the template lacks stays as it is. */
function migratedTaskRef(value: unknown, templateRefs: ReadonlyMap<string, string> | undefined): string | undefined {
  const ref = presentText(value);
  return ref === undefined ? undefined : (templateRefs?.get(ref) ?? ref);
}

const byId = <T>(rows: SourceRow<T>[]) => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const createdTime = (record: { createdAt?: unknown }) => isoTimestamp(record.createdAt);

/** Per-run state shared by the collection mappers. */
class Mapper {
  readonly groups: WriteGroup[] = [];
  /** Prototype user ID -> store user ID (duplicates and reused users included). */
  readonly users = new Map<string, string>();
  readonly userEmails = new Map<string, string>();
  /** Prototype bundle ID -> its IDs in the store, and the refs of its migrated template (for its tasks' template_task_ref). */
  readonly bundles = new Map<string, { bundle_id: string; template_instance_id?: string; templateRefs?: ReadonlyMap<string, string> }>();
  readonly schedules = new Map<string, string>();
  readonly tasks = new Map<string, { task_id: string; bundle_id?: string }>();
  actor!: ResolvedActor;
  details!: MappingDetails;

  constructor(
    readonly input: MappingInput,
    readonly report: ReportBuilder,
  ) {}

  source(collection: SourceCollection): string {
    return this.input.records[collection].source;
  }

  note(collection: SourceCollection, id: string): Note {
    return (code, message) => this.report.warn({ code, collection, source_id: id, message: `${collection} ${id}: ${message}` });
  }

  skip(collection: SourceCollection, id: string, reason: string): void {
    this.report.skip({ collection, source: this.source(collection), source_id: id, reason });
  }

  reportDropped(collection: Exclude<SourceCollection, 'templates' | 'sessions'>, record: Row): void {
    const consumed = CONSUMED[collection];
    for (const [field, value] of Object.entries(record)) {
      if (consumed.includes(field) || !hasValue(value)) continue;
      const key = `${collection}.${field}`;
      this.report.drop(collection, field, DROPPED_REASONS[key] ?? 'no counterpart in the execution-state store');
    }
  }

  userRef(collection: SourceCollection, id: string, field: string, value: unknown): string | undefined {
    const prototypeId = presentText(value);
    if (prototypeId === undefined) return undefined;
    const mapped = this.users.get(prototypeId);
    if (!mapped) this.unknown(collection, id, field, prototypeId, 'user');
    return mapped;
  }

  unknown(collection: SourceCollection, id: string, field: string, value: string, what: string): void {
    this.report.warn({ code: 'UNKNOWN_REFERENCE', collection, source_id: id, message: `${collection} ${id}: ${field} ${value} is not a migrated ${what}: left out` });
  }

  // ---- users and the actor -------------------------------------------------------------------

  mapUsers(): void {
    const rows = byId(this.input.records.users.rows);
    const accepted: { row: SourceRow<PrototypeUser>; email: string; createdAt: string }[] = [];
    for (const row of rows) {
      this.report.collection('users', this.source('users')).read += 1;
      if (hasValue(row.record.passwordHash)) this.report.neverMigrated.password_hashes += 1;
      const createdAt = createdTime(row.record);
      let email: string;
      try {
        email = checkEmail(row.record.email, 'email');
      } catch {
        this.skip('users', row.id, `email ${JSON.stringify(row.record.email ?? null)} is not an e-mail address`);
        continue;
      }
      if (!createdAt) {
        this.skip('users', row.id, `createdAt ${JSON.stringify(row.record.createdAt ?? null)} is not a timestamp`);
        continue;
      }
      accepted.push({ row, email, createdAt });
    }
    // The earliest user with an address keeps it; later ones with the same address are merged into it.
    accepted.sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.row.id < b.row.id ? -1 : 1));
    const kept = new Map<string, { row: SourceRow<PrototypeUser>; user_id: string }>();
    const own: { row: SourceRow<PrototypeUser>; email: string; createdAt: string; user_id: string }[] = [];
    for (const { row, email, createdAt } of accepted) {
      const first = kept.get(email);
      if (first) {
        this.users.set(row.id, first.user_id);
        this.skip('users', row.id, `duplicate e-mail ${email} (also user ${first.row.id}): merged into that user`);
        this.report.warn({
          code: 'DUPLICATE_EMAIL',
          collection: 'users',
          source_id: row.id,
          message: `users ${first.row.id} and ${row.id} share the e-mail ${email} (case-insensitively); ${row.id} is merged into ${first.row.id}: its tasks, schedules and notifications go to ${first.user_id}`,
        });
        this.report.mapId({ collection: 'users', source_id: row.id, entity: 'user', target_id: first.user_id, note: `merged into ${first.row.id} (same e-mail)` });
        continue;
      }
      const user_id = deterministicId('user', row.id, new Date(createdAt));
      const existing = this.input.existingUsersByEmail.get(email);
      const target_id = existing && existing.user_id !== user_id ? existing.user_id : user_id;
      kept.set(email, { row, user_id: target_id });
      this.users.set(row.id, target_id);
      this.userEmails.set(target_id, email);
      if (target_id !== user_id) {
        // The team already created this person in the store: use that user, write nothing.
        this.report.collection('users', this.source('users')).unchanged += 1;
        this.report.warn({ code: 'EXISTING_USER_REUSED', collection: 'users', source_id: row.id, message: `the target already has user ${target_id} with e-mail ${email}: prototype user ${row.id} is mapped to it` });
        this.report.mapId({ collection: 'users', source_id: row.id, entity: 'user', target_id, note: 'existing user with the same e-mail' });
        continue;
      }
      own.push({ row, email, createdAt, user_id });
      this.report.mapId({ collection: 'users', source_id: row.id, entity: 'user', target_id: user_id });
    }
    this.resolveActor();
    let operators = 0;
    for (const { row, email, createdAt, user_id } of own.sort((a, b) => (a.row.id < b.row.id ? -1 : 1))) {
      this.reportDropped('users', row.record);
      const role = user_id === this.actor.user_id ? 'admin' : 'operator';
      if (role === 'operator') operators += 1;
      const user = {
        user_id,
        email,
        display_name: fittedText(row.record.name, TEXT_LIMITS.short, 'name', this.note('users', row.id)) ?? email.split('@')[0]!,
        role,
        timezone: this.input.timeZone,
        status: 'active',
        created_at: createdAt,
        updated_at: createdAt,
        version: 1,
      };
      this.groups.push({ collection: 'users', source: this.source('users'), sourceId: row.id, items: [{ entity: 'user', row: user }, { entity: 'user_email', row: deriveRow('user_email', user) }] });
    }
    if (operators > 0) {
      this.report.warn({
        code: 'ROLES_ASSIGNED',
        collection: 'users',
        message: `the prototype had no roles: ${operators} migrated user(s) are operators (they change their own and unassigned tasks, and assign work only to themselves); the migration actor ${this.actor.email} is an admin. Promote other admins after the migration.`,
      });
    }
  }

  private resolveActor(): void {
    const ref = this.input.actor.trim();
    if (isId('user', ref)) {
      const email = this.userEmails.get(ref) ?? this.input.existingActorById?.email;
      if (!email) {
        throw new ValidationError(`--actor ${ref} is neither a migrated prototype user nor a user of the target table: pass an existing user's ID or an e-mail address`, { field: 'actor' });
      }
      this.actor = { user_id: ref, email, display_name: this.input.existingActorById?.display_name ?? email.split('@')[0]!, created: false };
      return;
    }
    const email = checkEmail(ref, 'actor');
    const prototypeUser = [...this.users.entries()].find(([, user_id]) => this.userEmails.get(user_id) === email);
    if (prototypeUser) {
      const row = this.input.records.users.rows.find((candidate) => candidate.id === prototypeUser[0]);
      this.actor = { user_id: prototypeUser[1], email, display_name: presentText(row?.record.name) ?? email.split('@')[0]!, created: false };
      return;
    }
    const existing = this.input.existingUsersByEmail.get(email);
    if (existing) {
      this.actor = { user_id: existing.user_id, email, display_name: existing.display_name, created: false };
      return;
    }
    // A new admin user for the person running the migration. Its ID depends on the address only,
    // so a re-run finds it (by e-mail) and a resumed run writes the same ID.
    const user_id = deterministicId('user', `migration-actor:${email}`, new Date(0));
    const at = this.input.now.toISOString();
    const user = { user_id, email, display_name: email.split('@')[0]!.slice(0, TEXT_LIMITS.short), role: 'admin', timezone: this.input.timeZone, status: 'active', created_at: at, updated_at: at, version: 1 };
    this.actor = { user_id, email, display_name: user.display_name, created: true };
    this.groups.push({ collection: 'actor', source: '--actor', sourceId: email, items: [{ entity: 'user', row: user }, { entity: 'user_email', row: deriveRow('user_email', user) }] });
  }

  // ---- bundles (and their template instances) ------------------------------------------------

  mapBundles(): void {
    const tasksByBundle = new Map<string, SourceRow<PrototypeTask>[]>();
    for (const task of byId(this.input.records.tasks.rows)) {
      const bundleId = presentText(task.record.bundleId);
      if (bundleId) tasksByBundle.set(bundleId, [...(tasksByBundle.get(bundleId) ?? []), task]);
    }
    let slots = 0;
    for (const row of byId(this.input.records.bundles.rows)) {
      this.report.collection('bundles', this.source('bundles')).read += 1;
      const record = row.record as PrototypeBundle & Row;
      const note = this.note('bundles', row.id);
      const createdAt = createdTime(record);
      if (!createdAt) {
        this.skip('bundles', row.id, `createdAt ${JSON.stringify(record.createdAt ?? null)} is not a timestamp`);
        continue;
      }
      this.reportDropped('bundles', record);
      const bundle_id = deterministicId('bundle', row.id, new Date(createdAt));
      const rawTitle = presentText(record.title);
      if (rawTitle === undefined) note('VALUE_REPLACED', 'has no title: stored as "(untitled bundle)"');
      const { title, description: longTitle } = titleAndDescription(rawTitle ?? '(untitled bundle)');
      const ownDescription = presentText(record.description);
      const description = [longTitle, ownDescription].filter((part) => part !== undefined).join('\n\n') || undefined;
      const links: { name: string; url: string }[] = [];
      for (const [field, list] of [
        ['bundleLinks', record.bundleLinks],
        ['references', record.references],
      ] as const) {
        for (const link of Array.isArray(list) ? list : []) {
          const url = presentText(link?.url);
          if (url === undefined) {
            // An empty slot ("fill in the Luma link"): the slot lives on in the template file.
            if (field === 'bundleLinks') slots += 1;
            continue;
          }
          const name = fittedText(link?.name, TEXT_LIMITS.short, `${field}[].name`, note);
          const checkedUrl = urlText(url, `${field}[].url`, note);
          if (name === undefined || checkedUrl === undefined) {
            if (name === undefined) note('INVALID_VALUE_DROPPED', `a ${field} entry without a name (${url}) is left out`);
            continue;
          }
          links.push({ name, url: checkedUrl });
        }
      }
      if (links.length > LIST_LIMITS.links) note('INVALID_VALUE_DROPPED', `has ${links.length} links; the store keeps ${LIST_LIMITS.links}: the rest are left out`);
      const anchor_date = calendarDate(record.anchorDate, 'anchorDate', note);
      const template_instance_id = this.templateInstance(row, record, bundle_id, anchor_date, createdAt, tasksByBundle.get(row.id) ?? []);
      const bundle = compact({
        bundle_id,
        title,
        description: description === undefined ? undefined : fittedText(description, TEXT_LIMITS.description, 'description', note),
        stage: vocabulary(record.stage, BUNDLE_STAGES, 'preparation', 'stage', note),
        status: vocabulary(record.status, BUNDLE_STATUSES, 'active', 'status', note),
        owner_id: this.actor.user_id,
        template_instance_id: template_instance_id?.template_instance_id,
        anchor_date,
        links: links.slice(0, LIST_LIMITS.links),
        tags: tagList(record.tags, 'tags', note),
        emoji: this.emoji(record.emoji, note),
        created_by: this.actor.user_id,
        created_at: createdAt,
        updated_at: isoTimestamp(record.updatedAt) ?? createdAt,
        version: 1,
      });
      const templateId = presentText(record.templateId);
      const templateRefs = templateId === undefined ? undefined : this.details.templateRefs.get(templateId);
      this.bundles.set(row.id, { bundle_id, template_instance_id: template_instance_id?.template_instance_id, templateRefs });
      this.report.mapId({ collection: 'bundles', source_id: row.id, entity: 'bundle', target_id: bundle_id });
      const items: MappedItem[] = [{ entity: 'bundle', row: bundle }];
      if (template_instance_id) {
        items.push({ entity: 'template_instance', row: template_instance_id.row });
        this.report.mapId({ collection: 'bundles', source_id: row.id, entity: 'template_instance', target_id: template_instance_id.template_instance_id, note: 'template instance of this bundle' });
      }
      this.groups.push({ collection: 'bundles', source: this.source('bundles'), sourceId: row.id, items });
    }
    this.report.neverMigrated.empty_link_slots += slots;
  }

  private emoji(value: unknown, note: Note): string | undefined {
    const emoji = presentText(value);
    if (emoji !== undefined && emoji.length > 16) {
      note('INVALID_VALUE_DROPPED', `emoji ${JSON.stringify(emoji)} is longer than 16 characters: left out`);
      return undefined;
    }
    return emoji;
  }

  private templateInstance(
    row: SourceRow<PrototypeBundle>,
    record: PrototypeBundle,
    bundle_id: string,
    anchor_date: string | undefined,
    createdAt: string,
    tasks: SourceRow<PrototypeTask>[],
  ): { template_instance_id: string; row: Row } | undefined {
    const templateId = presentText(record.templateId);
    if (templateId === undefined) return undefined;
    if (this.details.templates === null) {
      this.report.drop('bundles', 'templateId', 'templates are not migrated without --templates-repo: the bundle has no template instance');
      return undefined;
    }
    const location = this.details.templates.get(templateId);
    if (!location) {
      this.report.drop('bundles', 'templateId', 'the template is not migrated (deleted in the prototype, or skipped): the bundle has no template instance');
      this.unknown('bundles', row.id, 'templateId', templateId, 'template');
      return undefined;
    }
    if (anchor_date === undefined) {
      this.report.drop('bundles', 'templateId', 'a template instance needs the anchor date, which the bundle lacks');
      this.report.warn({ code: 'INVALID_VALUE_DROPPED', collection: 'bundles', source_id: row.id, message: `bundles ${row.id}: made from template ${templateId} but has no anchorDate: no template instance` });
      return undefined;
    }
    const templateRefs = this.details.templateRefs.get(templateId);
    const order = [...(templateRefs?.values() ?? [])];
    const held = new Set(tasks.map((task) => migratedTaskRef(task.record.templateTaskRef, templateRefs)).filter((ref): ref is string => ref !== undefined && ref.length <= TEXT_LIMITS.short));
    const task_refs = [...order.filter((ref) => held.has(ref)), ...[...held].filter((ref) => !order.includes(ref)).sort()];
    const template_instance_id = deterministicId('template_instance', row.id, new Date(createdAt));
    return {
      template_instance_id,
      row: {
        template_instance_id,
        template_id: location.path,
        template_version: location.version,
        bundle_id,
        anchor_date,
        instantiated_by: this.actor.user_id,
        instantiated_at: createdAt,
        task_refs,
      },
    };
  }

  // ---- recurring schedules ---------------------------------------------------------------------

  mapSchedules(): void {
    const lastGenerated = new Map<string, string>();
    for (const task of this.input.records.tasks.rows) {
      const config = presentText(task.record.recurringConfigId);
      const date = task.record.date;
      if (config && isCalendarDate(date) && (lastGenerated.get(config) ?? '') < date) lastGenerated.set(config, date);
    }
    for (const row of byId(this.input.records.recurring_configs.rows)) {
      this.report.collection('recurring_configs', this.source('recurring_configs')).read += 1;
      const record = row.record as PrototypeRecurringConfig & Row;
      const note = this.note('recurring_configs', row.id);
      const createdAt = createdTime(record);
      const expression = presentText(record.cronExpression);
      if (!createdAt || expression === undefined) {
        this.skip('recurring_configs', row.id, !createdAt ? `createdAt ${JSON.stringify(record.createdAt ?? null)} is not a timestamp` : 'it has no cronExpression');
        continue;
      }
      this.reportDropped('recurring_configs', record);
      const schedule_id = deterministicId('recurring_schedule', row.id, new Date(createdAt));
      const zone = this.input.timeZone;
      const last = lastGenerated.get(row.id);
      // The store's scheduler starts after the last date the prototype generated (no second task
      // for it); without any, after the config's creation. Source data only: a re-run computes the same.
      const reference = last ?? localDate(new Date(createdAt), zone);
      const meaning = describeCronMeaning(expression, zone, reference);
      const { cron: migrated } = translatePrototypeCron(expression);
      if (meaning.changed) {
        this.report.warn({
          code: 'CRON_MEANING_CHANGED',
          collection: 'recurring_configs',
          source_id: row.id,
          message: `schedule "${presentText(record.description) ?? row.id}": "${expression}" means something else as standard cron; migrated as ${migrated === null ? 'a disabled schedule (it never ran)' : `"${migrated}"`}, which creates tasks on the dates the prototype did`,
          cron: meaning,
        });
      }
      let next_run_at: string | undefined;
      if (migrated !== null) {
        const cron = new Cron(migrated, { timezone: zone, mode: '5-part', paused: true });
        let cursor = last ? new Date(Date.parse(`${last}T00:00:00.000Z`) - 14 * 3_600_000) : new Date(createdAt);
        for (let guard = 0; guard < 1000; guard += 1) {
          const run = cron.nextRun(cursor);
          if (!run) break;
          if (!last || localDate(run, zone) > last) {
            next_run_at = run.toISOString();
            break;
          }
          cursor = run;
        }
      }
      if (next_run_at === undefined) {
        this.report.warn({ code: 'SCHEDULE_NEVER_RUNS', collection: 'recurring_configs', source_id: row.id, message: `schedule ${row.id} ("${expression}") never matched a date in the prototype: migrated disabled` });
      }
      const text = presentText(record.description);
      if (text === undefined) note('VALUE_REPLACED', 'has no description: titled "(untitled schedule)"');
      const { title, description } = titleAndDescription(text ?? '(untitled schedule)');
      const schedule = compact({
        schedule_id,
        title,
        cron: migrated ?? fittedText(expression, 120, 'cronExpression', note),
        time_zone: zone,
        assignee_id: this.userRef('recurring_configs', row.id, 'assigneeId', record.assigneeId),
        description: description === undefined ? undefined : fittedText(description, TEXT_LIMITS.description, 'description', note),
        tags: tagList(record.tags, 'tags', note),
        instructions_url: urlText(record.instructionsUrl, 'instructionsUrl', note),
        enabled: record.enabled !== false && next_run_at !== undefined,
        next_run_at: next_run_at ?? createdAt,
        created_by: this.actor.user_id,
        created_at: createdAt,
        updated_at: isoTimestamp(record.updatedAt) ?? createdAt,
        version: 1,
      });
      this.schedules.set(row.id, schedule_id);
      this.report.mapId({ collection: 'recurring_configs', source_id: row.id, entity: 'recurring_schedule', target_id: schedule_id });
      this.groups.push({ collection: 'recurring_configs', source: this.source('recurring_configs'), sourceId: row.id, items: [{ entity: 'recurring_schedule', row: schedule }] });
    }
  }

  // ---- tasks ---------------------------------------------------------------------------------

  mapTasks(): void {
    let approximate = 0;
    for (const row of byId(this.input.records.tasks.rows)) {
      this.report.collection('tasks', this.source('tasks')).read += 1;
      const record = row.record as PrototypeTask & Row;
      const note = this.note('tasks', row.id);
      const createdAt = createdTime(record);
      if (!createdAt) {
        this.skip('tasks', row.id, `createdAt ${JSON.stringify(record.createdAt ?? null)} is not a timestamp`);
        continue;
      }
      this.reportDropped('tasks', record);
      const task_id = deterministicId('task', row.id, new Date(createdAt));
      const updatedAt = isoTimestamp(record.updatedAt) ?? createdAt;
      const text = presentText(record.description);
      if (text === undefined) note('VALUE_REPLACED', 'has no description: titled "(untitled task)"');
      const { title, description } = titleAndDescription(text ?? '(untitled task)');
      const status = vocabulary(record.status, TASK_STATUSES, 'todo', 'status', note);
      const bundleRef = presentText(record.bundleId);
      const bundle = bundleRef === undefined ? undefined : this.bundles.get(bundleRef);
      if (bundleRef !== undefined && !bundle) this.unknown('tasks', row.id, 'bundleId', bundleRef, 'bundle');
      const scheduleRef = presentText(record.recurringConfigId);
      const recurring_schedule_id = scheduleRef === undefined ? undefined : this.schedules.get(scheduleRef);
      if (scheduleRef !== undefined && !recurring_schedule_id) this.unknown('tasks', row.id, 'recurringConfigId', scheduleRef, 'recurring config');
      const due_date = calendarDate(record.date, 'date', note);
      const template_task_ref = fittedText(migratedTaskRef(record.templateTaskRef, bundle?.templateRefs), TEXT_LIMITS.short, 'templateTaskRef', note);
      const stage = presentText(record.stageOnComplete);
      let stage_on_complete: string | undefined;
      if (stage !== undefined) {
        stage_on_complete = snakeCase(stage);
        if (!(BUNDLE_STAGES as readonly string[]).includes(stage_on_complete)) {
          note('INVALID_VALUE_DROPPED', `stageOnComplete ${JSON.stringify(stage)} is not a stage: left out`);
          stage_on_complete = undefined;
        }
      }
      let completed_at: string | undefined;
      if (status === 'done') {
        completed_at = optionalTimestamp(record.completedAt, 'completedAt', note);
        if (completed_at === undefined) {
          completed_at = updatedAt;
          approximate += 1;
        }
      }
      const createdBy = presentText(record.createdBy);
      const task = compact({
        task_id,
        title,
        description: description === undefined ? undefined : fittedText(description, TEXT_LIMITS.description, 'description', note),
        status,
        assignee_id: this.userRef('tasks', row.id, 'assigneeId', record.assigneeId),
        bundle_id: bundle?.bundle_id,
        template_instance_id: template_task_ref !== undefined ? bundle?.template_instance_id : undefined,
        template_task_ref,
        recurring_schedule_id,
        occurrence_date: recurring_schedule_id ? due_date : undefined,
        due_date,
        source: vocabulary(record.source, TASK_SOURCES, 'manual', 'source', note),
        required_link_name: fittedText(record.requiredLinkName, TEXT_LIMITS.short, 'requiredLinkName', note),
        link: urlText(record.link, 'link', note),
        requires_file: record.requiresFile === true,
        stage_on_complete,
        instructions_url: urlText(record.instructionsUrl, 'instructionsUrl', note),
        comment: fittedText(record.comment, TEXT_LIMITS.comment, 'comment', note),
        waiting_for: fittedText(record.waitingFor, TEXT_LIMITS.short, 'waitingFor', note),
        follow_up_at: optionalTimestamp(record.followUpAt, 'followUpAt', note),
        completed_at,
        tags: tagList(record.tags, 'tags', note),
        created_by: (createdBy !== undefined ? this.userRef('tasks', row.id, 'createdBy', createdBy) : undefined) ?? this.actor.user_id,
        created_at: createdAt,
        updated_at: updatedAt,
        version: 1,
      });
      this.tasks.set(row.id, { task_id, bundle_id: bundle?.bundle_id });
      this.report.mapId({ collection: 'tasks', source_id: row.id, entity: 'task', target_id: task_id });
      this.groups.push({ collection: 'tasks', source: this.source('tasks'), sourceId: row.id, items: [{ entity: 'task', row: task }] });
    }
    if (approximate > 0) {
      this.report.warn({
        code: 'COMPLETED_AT_APPROXIMATE',
        collection: 'tasks',
        message: `${approximate} done task(s) record no completion time: completed_at is their updatedAt, the time of their last change (approximate)`,
      });
    }
  }

  // ---- files ---------------------------------------------------------------------------------

  mapFiles(): void {
    let withoutUploads = 0;
    const buckets = new Set<string>();
    for (const row of byId(this.input.records.files.rows)) {
      this.report.collection('files', this.source('files')).read += 1;
      const record = row.record as PrototypeFile & Row;
      const note = this.note('files', row.id);
      const createdAt = createdTime(record);
      if (!createdAt) {
        this.skip('files', row.id, `createdAt ${JSON.stringify(record.createdAt ?? null)} is not a timestamp`);
        continue;
      }
      const taskRef = presentText(record.taskId);
      const task = taskRef === undefined ? undefined : this.tasks.get(taskRef);
      if (!task) {
        this.skip('files', row.id, taskRef === undefined ? 'it belongs to no task' : `its task ${taskRef} is not migrated`);
        continue;
      }
      const storagePath = presentText(record.storagePath);
      if (storagePath === undefined) {
        this.skip('files', row.id, 'it has no storagePath: where the bytes are is unknown');
        continue;
      }
      const filename = fittedText(record.filename, 255, 'filename', note) ?? storagePath.split(/[\\/]/).pop()!;
      const facts = this.fileFacts(row, record);
      if (facts === null) {
        if (this.details.uploads === null) withoutUploads += 1;
        continue;
      }
      this.reportDropped('files', record);
      const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(storagePath);
      const storage_bucket = s3 ? s3[1]! : this.details.filesBucket;
      buckets.add(storage_bucket);
      const file_id = deterministicId('file', row.id, new Date(createdAt));
      const file = compact({
        file_id,
        task_id: task.task_id,
        bundle_id: task.bundle_id,
        storage_bucket,
        storage_key: s3 ? s3[2]! : storagePath.replace(/\\/g, '/'),
        filename,
        content_type: facts.content_type,
        size_bytes: facts.size_bytes,
        sha256: facts.sha256,
        category: vocabulary(record.category, FILE_CATEGORIES, 'document', 'category', note),
        tags: tagList(record.tags, 'tags', note),
        uploaded_by: this.actor.user_id,
        created_at: createdAt,
        updated_at: createdAt,
      });
      this.report.mapId({ collection: 'files', source_id: row.id, entity: 'file', target_id: file_id });
      this.groups.push({ collection: 'files', source: this.source('files'), sourceId: row.id, items: [{ entity: 'file', row: file }] });
    }
    if (withoutUploads > 0) {
      this.report.warn({
        code: 'UPLOADS_NOT_GIVEN',
        collection: 'files',
        message: `${withoutUploads} file(s) not migrated: the store needs each file's size and SHA-256, which the prototype did not record; pass --uploads-dir with a copy of the prototype's upload directory`,
      });
    }
    if (buckets.size > 0) {
      this.report.warn({
        code: 'FILES_LOCATION',
        collection: 'files',
        message: `file rows point at s3://${[...buckets].join(', s3://')}/<storagePath>: copy the prototype's upload directory there keeping its paths (aws s3 sync <uploads-dir> s3://${[...buckets][0]}/)`,
      });
    }
  }

  /** Size, SHA-256 and content type: from the uploaded bytes when --uploads-dir is given, else from the source if it has them. */
  private fileFacts(row: SourceRow<PrototypeFile>, record: PrototypeFile): UploadInfo | null {
    const sourceSha = typeof record.checksum === 'string' ? /^(?:sha256:)?([0-9a-f]{64})$/i.exec(record.checksum)?.[1]?.toLowerCase() : undefined;
    const sourceSize = Number.isInteger(record.sizeBytes) && (record.sizeBytes as number) >= 0 ? (record.sizeBytes as number) : undefined;
    const sourceType = typeof record.contentType === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(record.contentType) ? record.contentType : undefined;
    if (this.details.uploads === null) {
      if (sourceSha !== undefined && sourceSize !== undefined && sourceType !== undefined) return { sha256: sourceSha, size_bytes: sourceSize, content_type: sourceType };
      this.skip('files', row.id, 'its size and SHA-256 are unknown without --uploads-dir');
      return null;
    }
    const upload = this.details.uploads.get(row.id);
    if (!upload) {
      this.skip('files', row.id, `its bytes are not in --uploads-dir (${String(record.storagePath)})`);
      this.report.warn({ code: 'MISSING_UPLOAD', collection: 'files', source_id: row.id, message: `file ${row.id} "${String(record.filename)}": ${String(record.storagePath)} is not in --uploads-dir: not migrated` });
      return null;
    }
    if ((sourceSha !== undefined && sourceSha !== upload.sha256) || (sourceSize !== undefined && sourceSize !== upload.size_bytes)) {
      this.report.warn({ code: 'UPLOAD_MISMATCH', collection: 'files', source_id: row.id, message: `file ${row.id}: the source's size/checksum differ from the bytes in --uploads-dir; the bytes' values are stored` });
    }
    return { ...upload, content_type: sourceType ?? upload.content_type };
  }

  // ---- notifications -------------------------------------------------------------------------

  mapNotifications(): void {
    for (const row of byId(this.input.records.notifications.rows)) {
      this.report.collection('notifications', this.source('notifications')).read += 1;
      const record = row.record as PrototypeNotification & Row;
      const note = this.note('notifications', row.id);
      const createdAt = createdTime(record);
      const message = fittedText(record.message, TEXT_LIMITS.message, 'message', note);
      if (!createdAt || message === undefined) {
        this.skip('notifications', row.id, !createdAt ? `createdAt ${JSON.stringify(record.createdAt ?? null)} is not a timestamp` : 'it has no message');
        continue;
      }
      const recipientRef = presentText(record.userId);
      const recipient_id = recipientRef === undefined ? undefined : this.users.get(recipientRef);
      if (recipientRef !== undefined && recipient_id === undefined) {
        // A personal notice must not become a broadcast to everyone.
        this.skip('notifications', row.id, `its recipient ${recipientRef} is not a migrated user`);
        continue;
      }
      this.reportDropped('notifications', record);
      const bundleRef = presentText(record.bundleId);
      const bundle = bundleRef === undefined ? undefined : this.bundles.get(bundleRef);
      if (bundleRef !== undefined && !bundle) this.unknown('notifications', row.id, 'bundleId', bundleRef, 'bundle');
      const taskRef = presentText(record.taskId);
      const task = taskRef === undefined ? undefined : this.tasks.get(taskRef);
      if (taskRef !== undefined && !task) this.unknown('notifications', row.id, 'taskId', taskRef, 'task');
      const type = presentText(record.type);
      const kind = type !== undefined && /^[a-z][a-z0-9_]{0,63}$/.test(snakeCase(type)) ? snakeCase(type) : bundleRef !== undefined && hasValue(record.templateId) ? 'bundle_created' : 'notice';
      const notification_id = deterministicId('notification', row.id, new Date(createdAt));
      // The prototype showed notices in the app: each was delivered when made (sent), and its one
      // "dismissed" flag hid it for everybody (dismissed; who dismissed it was not recorded).
      const notification = compact({
        notification_id,
        recipient_id,
        task_id: task?.task_id,
        bundle_id: bundle?.bundle_id,
        kind,
        message,
        due_at: optionalTimestamp(record.dueAt, 'dueAt', note) ?? createdAt,
        status: record.dismissed === true ? 'dismissed' : 'sent',
        sent_at: createdAt,
        dismissed_by: [],
        created_at: createdAt,
        updated_at: createdAt,
        version: 1,
      });
      this.report.mapId({ collection: 'notifications', source_id: row.id, entity: 'notification', target_id: notification_id });
      this.groups.push({ collection: 'notifications', source: this.source('notifications'), sourceId: row.id, items: [{ entity: 'notification', row: notification }] });
    }
  }

  mapSessions(): void {
    for (const row of this.input.records.sessions.rows) {
      this.report.collection('sessions', this.source('sessions')).read += 1;
      this.report.neverMigrated.sessions += 1;
      this.skip('sessions', row.id, `login session${row.record.userId ? ` of user ${row.record.userId}` : ''}: never migrated (plaintext token); people sign in again`);
    }
  }

  mapUnsupported(): void {
    for (const row of this.input.records.unsupported) {
      this.report.collection('other', row.source).read += 1;
      this.report.skip({ collection: 'other', source: row.source, source_id: row.id, reason: row.reason });
    }
  }
}

/**
 * The mapping in two steps: users and the actor first (templates name their assignees by e-mail,
 * and the Git commit and the rows name the actor), then everything else once the templates are
 * committed and the uploads read.
 */
export interface Mapping {
  readonly actor: ResolvedActor;
  /** E-mail of a prototype user as migrated (undefined when the user is not migrated). */
  emailOf(prototypeUserId: string): string | undefined;
  finish(details: MappingDetails): MappingResult;
}

export function beginMapping(input: MappingInput, report: ReportBuilder): Mapping {
  const mapper = new Mapper(input, report);
  mapper.mapUsers();
  return {
    actor: mapper.actor,
    emailOf: (prototypeUserId) => {
      const user_id = mapper.users.get(prototypeUserId);
      return user_id === undefined ? undefined : mapper.userEmails.get(user_id);
    },
    finish: (details) => {
      mapper.details = details;
      mapper.mapBundles();
      mapper.mapSchedules();
      mapper.mapTasks();
      mapper.mapFiles();
      mapper.mapNotifications();
      mapper.mapSessions();
      mapper.mapUnsupported();
      // The actor, when created, is written first: every other row may name it.
      const groups = [...mapper.groups.filter((group) => group.collection === 'actor'), ...mapper.groups.filter((group) => group.collection !== 'actor')];
      return { actor: mapper.actor, groups };
    },
  };
}
