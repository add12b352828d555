/**
 * Prototype templates (rows in its Templates table, src/types.ts `Template`) as template files
 * in this project's Git-backed format: one YAML file per template with `name`, `description`,
 * `emoji`, `tags`, `links` (bundle link slot names) and `tasks` (`ref`, `title`, `description`,
 * `offset_days`, `assignee` e-mail, `instructions_url`, `required_link_name`, `requires_file`,
 * `stage_on_complete`, `milestone`). Pure: the Git side is templates-git.ts.
 */
import { Document } from 'yaml';
import { compact } from '../services/records.js';
import { BUNDLE_STAGES } from '../vocabulary.js';
import { TEMPLATE_REF, TEXT_LIMITS } from '../formats.js';
import type { ReportBuilder } from './report.js';
import type { PrototypeTemplate, PrototypeTaskDefinition, SourceRow } from './source-records.js';
import { fittedText, hasValue, presentText, snakeCase, tagList, titleAndDescription, urlText, type Note } from './values.js';

export interface TemplateDocument {
  sourceId: string;
  name: string;
  /** File name stem derived from the name (kebab-case ASCII). */
  slug: string;
  /** The file's content. */
  yaml: string;
  /**
   * The prototype's refId (trimmed) -> the task's ref in the file, in template order (a bundle's
   * template instance lists its refs in this order; its tasks hold the same refs).
   */
  refs: ReadonlyMap<string, string>;
}

/** Template fields the file format carries (everything else is reported as dropped). */
const CONSUMED = new Set(['id', 'name', 'emoji', 'tags', 'bundleLinkDefinitions', 'taskDefinitions', 'defaultAssigneeId']);
const DROPPED_REASONS: Record<string, string> = {
  createdAt: "the file's Git history dates it (the commit that added it)",
  updatedAt: "the file's Git history dates it (the commit that added it)",
  type: 'the template format has no type (classify templates with tags)',
  references: 'the template format has link slot names only; bundles made from the template keep these links',
  triggerType: 'automatic bundle creation is not part of the store (see TEMPLATE_TRIGGER_NOT_MIGRATED)',
  triggerSchedule: 'automatic bundle creation is not part of the store (see TEMPLATE_TRIGGER_NOT_MIGRATED)',
  triggerLeadDays: 'automatic bundle creation is not part of the store (see TEMPLATE_TRIGGER_NOT_MIGRATED)',
};
const TASK_DEFINITION_KEYS = new Set(['refId', 'description', 'offsetDays', 'isMilestone', 'stageOnComplete', 'assigneeId', 'instructionsUrl', 'requiredLinkName', 'requiresFile']);

/** Lower-case ASCII letters and digits (accents folded) with '-' between the runs, at most `maxLength` characters; '' when none are left. */
function slugify(text: string, maxLength: number): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

export function slugOf(name: string): string {
  return slugify(name, 60) || 'template';
}

/**
 * A valid ref (TEMPLATE_REF) for each of a template's distinct source refIds, in their order.
 * Valid refIds stay as they are and are reserved first; any other becomes its slug (`task-<n>`
 * when nothing is left, n = the definition's position from 1), with `-2`, `-3`, … when another
 * ref of the template has it. Depends on the refIds and their order only: a re-run gives the same.
 */
export function templateTaskRefs(sources: readonly { refId: string; position: number }[]): Map<string, string> {
  const maxLength = TEMPLATE_REF.maxLength!;
  const taken = new Set(sources.map(({ refId }) => refId).filter((refId) => TEMPLATE_REF.test(refId)));
  const refs = new Map<string, string>();
  for (const { refId, position } of sources) {
    if (TEMPLATE_REF.test(refId)) {
      refs.set(refId, refId);
      continue;
    }
    const base = slugify(refId, maxLength) || `task-${position}`;
    let ref = base;
    for (let n = 2; taken.has(ref); n += 1) {
      const suffix = `-${n}`;
      ref = `${base.slice(0, maxLength - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    taken.add(ref);
    refs.set(refId, ref);
  }
  return refs;
}

/**
 * The template file for one prototype template, or null (reported) when it cannot be one.
 * `emailOf` gives the e-mail of a prototype user ID (undefined: the user is not migrated).
 */
export function templateDocument(row: SourceRow<PrototypeTemplate>, emailOf: (prototypeUserId: string) => string | undefined, report: ReportBuilder, source: string): TemplateDocument | null {
  const template = row.record;
  const note: Note = (code, message) => report.warn({ code, collection: 'templates', source_id: row.id, message: `template ${row.id}: ${message}` });
  const name = fittedText(template.name, TEXT_LIMITS.title, 'name', note);
  if (name === undefined) {
    report.skip({ collection: 'templates', source, source_id: row.id, reason: 'the template has no name' });
    return null;
  }
  for (const [field, value] of Object.entries(template)) {
    if (CONSUMED.has(field) || !hasValue(value)) continue;
    report.drop('templates', field, DROPPED_REASONS[field] ?? 'no counterpart in the template format');
  }
  if (template.triggerType === 'automatic') {
    report.warn({
      code: 'TEMPLATE_TRIGGER_NOT_MIGRATED',
      collection: 'templates',
      source_id: row.id,
      message: `template "${name}" created bundles automatically (cron "${String(template.triggerSchedule)}", ${String(template.triggerLeadDays ?? 0)} days ahead); the store does not, so create those bundles from the template file by hand`,
    });
  }
  const defaultAssignee = presentText(template.defaultAssigneeId);
  const links = (Array.isArray(template.bundleLinkDefinitions) ? template.bundleLinkDefinitions : [])
    .map((definition) => fittedText(definition?.name, TEXT_LIMITS.short, 'bundleLinkDefinitions[].name', note))
    .filter((linkName): linkName is string => linkName !== undefined);
  const accepted: { definition: PrototypeTaskDefinition; at: string; refId: string; text: string; position: number }[] = [];
  const definitions = Array.isArray(template.taskDefinitions) ? template.taskDefinitions : [];
  definitions.forEach((definition: PrototypeTaskDefinition, index) => {
    const at = `taskDefinitions[${index}]`;
    const refId = presentText(definition?.refId);
    const text = presentText(definition?.description);
    if (refId === undefined || text === undefined || !Number.isInteger(definition.offsetDays)) {
      note('INVALID_VALUE_DROPPED', `${at} lacks refId, description or an integer offsetDays: left out of the template`);
      return;
    }
    if (accepted.some((earlier) => earlier.refId === refId)) {
      note('INVALID_VALUE_DROPPED', `${at}.refId ${JSON.stringify(refId)} appears twice: the second definition is left out`);
      return;
    }
    accepted.push({ definition, at, refId, text, position: index + 1 });
  });
  const refs = templateTaskRefs(accepted);
  const tasks = accepted.map(({ definition, at, refId, text }) => {
    for (const key of Object.keys(definition)) {
      if (!TASK_DEFINITION_KEYS.has(key) && hasValue((definition as Record<string, unknown>)[key])) report.drop('templates', `taskDefinitions[].${key}`, 'no counterpart in the template format');
    }
    const ref = refs.get(refId)!;
    if (ref !== refId) {
      report.warn({
        code: 'REF_RENAMED',
        collection: 'templates',
        source_id: row.id,
        message: `template ${row.id} ${at}: refId ${JSON.stringify(refId)} is not a valid task ref (${TEMPLATE_REF.expected}): written as "${ref}", which its bundles' template instances and tasks hold too`,
        ref: { from: refId, to: ref },
      });
    }
    const { title, description } = titleAndDescription(text);
    const assigneeId = presentText(definition.assigneeId) ?? defaultAssignee;
    const assignee = assigneeId === undefined ? undefined : emailOf(assigneeId);
    if (assigneeId !== undefined && assignee === undefined) {
      report.warn({ code: 'UNKNOWN_REFERENCE', collection: 'templates', source_id: row.id, message: `template ${row.id} ${at}: assignee ${assigneeId} is not a migrated user: the task has no assignee` });
    }
    const stage = presentText(definition.stageOnComplete);
    const stageOnComplete = stage === undefined ? undefined : snakeCase(stage);
    if (stageOnComplete !== undefined && !(BUNDLE_STAGES as readonly string[]).includes(stageOnComplete)) {
      note('INVALID_VALUE_DROPPED', `${at}.stageOnComplete ${JSON.stringify(stage)} is not a stage: left out`);
    }
    return compact({
      ref,
      title,
      description: description === undefined ? undefined : fittedText(description, TEXT_LIMITS.description, `${at}.description`, note),
      offset_days: definition.offsetDays,
      assignee,
      instructions_url: urlText(definition.instructionsUrl, `${at}.instructionsUrl`, note),
      required_link_name: fittedText(definition.requiredLinkName, TEXT_LIMITS.short, `${at}.requiredLinkName`, note),
      requires_file: definition.requiresFile === true ? true : undefined,
      stage_on_complete: stageOnComplete !== undefined && (BUNDLE_STAGES as readonly string[]).includes(stageOnComplete) ? stageOnComplete : undefined,
      milestone: definition.isMilestone === true ? true : undefined,
    });
  });
  const tags = tagList(template.tags, 'tags', note);
  const content = compact({
    name,
    emoji: presentText(template.emoji),
    tags: tags.length ? tags : undefined,
    links: links.length ? links.map((linkName) => ({ name: linkName })) : undefined,
    tasks,
  });
  const doc = new Document(content);
  doc.commentBefore = ` Migrated from the work-engine prototype's template ${row.id} by \`exstate migrate\`.`;
  return { sourceId: row.id, name, slug: slugOf(name), yaml: doc.toString({ lineWidth: 0 }), refs };
}
