/**
 * Git-backed templates (ADR 0005): the file format, parsing and checking, reading from Git and
 * instantiation. A handler that fetched a template from the Git host:
 *
 *   const committed = committedTemplateFromText({ text, path: 'templates/meetup.yaml', commit: sha });
 *   await instantiateCommittedTemplate(store, committed, { title, anchor_date, owner_id, actor });
 */
export { TEMPLATE_FILE_SCHEMA, MAX_TEMPLATE_FILE_BYTES, type TemplateFile, type TemplateTaskFile, type TemplateLinkSlot } from './schema.js';
export { parseTemplate, formatFinding, TEMPLATE_FINDING_CODES, type ParsedTemplate, type TemplateFinding, type TemplateFindingCode } from './parse.js';
export { readCommittedFile, readFileAtCommit, repositoryRoot, hasCommit, type CommittedFile } from './git.js';
export {
  committedTemplateFromText,
  readCommittedTemplate,
  resolveAssignees,
  toTemplateDefinition,
  instantiateCommittedTemplate,
  type CommittedTemplate,
  type InstantiateOptions,
  type InstantiatedTemplate,
} from './instantiate.js';
export { validateTemplatePaths, type TemplateFileReport, type TemplateValidation } from './validate-files.js';
