/**
 * The template file format: one YAML file per template in the process-knowledge Git repository
 * (ADR 0005). This module is its one source of truth: the record types, the limits (taken from
 * the service that writes an instance, never retyped) and the JSON Schema built from them.
 * `template-file.schema.json` next to it is this schema, committed for editors and other tools
 * (`npx tsx scripts/template-schema.ts` rewrites it; a test fails when it is stale).
 */
import { MAX_TEMPLATE_TASKS, TEMPLATE_OFFSET_DAYS } from '../services/bundles.js';
import { LIST_LIMITS, TEMPLATE_REF, TEXT_LIMITS } from '../formats.js';
import { BUNDLE_STAGES, type BundleStage } from '../vocabulary.js';

/** A named link the bundle's work produces (a "slot"): its URL is runtime state, set on the task that names it. */
export interface TemplateLinkSlot {
  name: string;
  description?: string;
}

export interface TemplateTaskFile {
  /** Unique within the template; becomes the task's template_task_ref. */
  ref: string;
  title: string;
  description?: string;
  /** Days from the bundle's anchor date to the task's due date (negative: before). */
  offset_days: number;
  /** E-mail address of the user the task is assigned to. */
  assignee?: string;
  instructions_url?: string;
  /** One of the template's `links`: the task cannot be done before its link is set. */
  required_link_name?: string;
  requires_file?: boolean;
  stage_on_complete?: BundleStage;
  milestone?: boolean;
}

export interface TemplateFile {
  name: string;
  description?: string;
  emoji?: string;
  tags?: string[];
  links?: TemplateLinkSlot[];
  tasks: TemplateTaskFile[];
}

/** A template file larger than this is refused before it is parsed (a real one is a few KiB). */
export const MAX_TEMPLATE_FILE_BYTES = 1024 * 1024;

/** The task ref rule (TEMPLATE_REF in formats.ts) as a JSON Schema pattern. */
export const TEMPLATE_REF_PATTERN = TEMPLATE_REF.pattern.source;
export const HTTP_URL_PATTERN = '^https?://\\S+$';
const NOT_BLANK = '\\S';

const text = (maxLength: number, description: string) => ({ type: 'string', minLength: 1, maxLength, pattern: NOT_BLANK, description }) as const;

export const TEMPLATE_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'DataOps workflow template',
  description:
    'One template per YAML file in the process-knowledge Git repository. Instantiating it creates a bundle and its tasks, due relative to an anchor date; the instance records the file path and the commit. See docs/adr/0005-git-backed-templates.md.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'tasks'],
  properties: {
    name: text(TEXT_LIMITS.title, 'What the template is for, e.g. "Community meetup".'),
    description: text(TEXT_LIMITS.description, "What this kind of work is; becomes the bundle's description."),
    emoji: text(TEXT_LIMITS.emoji, "Shown with the bundle's title."),
    tags: {
      type: 'array',
      description: "The bundle's tags.",
      maxItems: LIST_LIMITS.tags,
      uniqueItems: true,
      items: text(TEXT_LIMITS.tag, 'A tag.'),
    },
    links: {
      type: 'array',
      description: "The bundle's link slots, by name: links its work produces (event page, recording). A task's required_link_name names one.",
      maxItems: LIST_LIMITS.links,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: text(TEXT_LIMITS.short, 'The link\'s name, e.g. "Meetup page".'),
          description: text(TEXT_LIMITS.description, 'What the link points to.'),
        },
      },
    },
    tasks: {
      type: 'array',
      description: `The tasks, in order: 1 to ${MAX_TEMPLATE_TASKS} (the bundle, the instance and every task are written in one DynamoDB transaction).`,
      minItems: 1,
      maxItems: MAX_TEMPLATE_TASKS,
      items: { $ref: '#/definitions/task' },
    },
  },
  definitions: {
    task: {
      type: 'object',
      additionalProperties: false,
      required: ['ref', 'title', 'offset_days'],
      properties: {
        ref: { type: 'string', minLength: 1, maxLength: TEMPLATE_REF.maxLength, pattern: TEMPLATE_REF_PATTERN, description: 'Unique within the template, e.g. book-venue.' },
        title: text(TEXT_LIMITS.title, 'The task as people see it in their lists.'),
        description: text(TEXT_LIMITS.description, 'Details for whoever does the task.'),
        offset_days: {
          type: 'integer',
          minimum: TEMPLATE_OFFSET_DAYS.min,
          maximum: TEMPLATE_OFFSET_DAYS.max,
          description: 'Due date = anchor date + offset_days (negative: before the anchor date).',
        },
        assignee: { type: 'string', format: 'email', minLength: 3, maxLength: TEXT_LIMITS.email, description: 'E-mail address of an active user.' },
        instructions_url: { type: 'string', maxLength: TEXT_LIMITS.url, pattern: HTTP_URL_PATTERN, description: 'The SOP for the task (http or https URL).' },
        required_link_name: text(TEXT_LIMITS.short, "One of the template's links: the task cannot be done before that link is set."),
        requires_file: { type: 'boolean', description: 'The task cannot be done before a file is attached.' },
        stage_on_complete: { enum: [...BUNDLE_STAGES], description: 'Completing the task moves the bundle to this stage.' },
        milestone: { type: 'boolean', description: 'Marks a milestone (the task gets the tag "milestone").' },
      },
    },
  },
} as const;

/** Where the schema is committed for editors and other tools, relative to the repository root. */
export const TEMPLATE_SCHEMA_FILE = 'src/templates/template-file.schema.json';

/** The committed file's exact text. */
export function templateSchemaJson(): string {
  return `${JSON.stringify(TEMPLATE_FILE_SCHEMA, null, 2)}\n`;
}
