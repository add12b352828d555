/**
 * Prototype-shaped test data: the items the work-engine prototype (github.com/alexeygrigorev/datatasks)
 * keeps in its seven DynamoDB tables, exactly as its code writes them (PK = SK = "<TYPE>#<id>",
 * camelCase, kebab-case stages). Every shape cites the prototype file that writes it. The data is
 * a small DataTalks.Club month (March 2026): a newsletter and a podcast made from templates, a
 * manual archived bundle, ad-hoc tasks from Telegram and e-mail, recurring chores, uploads,
 * notices and sessions, with the prototype's typical rough edges (a duplicate e-mail, a deleted
 * bundle, a bad date, non-standard crons, a missing upload).
 */
import { createHash } from 'node:crypto';

type Item = Record<string, unknown>;

export const PROTOTYPE_TABLE_NAMES = ['Tasks', 'Projects', 'Templates', 'Users', 'Files', 'Notifications', 'Sessions'] as const;
export type PrototypeTableName = (typeof PROTOTYPE_TABLE_NAMES)[number];

/** src/db/setup.ts: every table is PK/SK strings; Tasks has GSI-Date, GSI-Bundle, GSI-Status; Files GSI-Task. */
export const PROTOTYPE_INDEXES: Partial<Record<PrototypeTableName, { name: string; hash: string; range: string }[]>> = {
  Tasks: [
    { name: 'GSI-Date', hash: 'date', range: 'status' },
    { name: 'GSI-Bundle', hash: 'bundleId', range: 'date' },
    { name: 'GSI-Status', hash: 'status', range: 'date' },
  ],
  Files: [{ name: 'GSI-Task', hash: 'taskId', range: 'SK' }],
};

const key = (type: string, id: string) => ({ PK: `${type}#${id}`, SK: `${type}#${id}` });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// scripts/seed-users.ts: the three seeded users (stable IDs) with SHA-256 password hashes.
export const USER = {
  grace: '00000000-0000-0000-0000-000000000001',
  valeriia: '00000000-0000-0000-0000-000000000002',
  alexey: '00000000-0000-0000-0000-000000000003',
  graceAgain: '7b0b8c4e-3d55-4e0e-9a51-0c2f2f9e2a11',
  broken: '5f7d3a2c-0b1e-4c9f-8a6d-2e4b1c9d7f30',
  deleted: 'c0ffee00-1111-4222-8333-444455556666',
};
export const TEMPLATE = {
  newsletter: '1f3c6a0e-5b7d-4e21-9c4a-8d2e6f1b3a57',
  podcast: '2a4d7b1f-6c8e-4f32-8d5b-9e3f7a2c4b68',
  legacyNewsletter: '0e2b5f9d-4a6c-4d10-8b39-7c1d5e0a2946',
};
export const BUNDLE = {
  newsletter: '3b5e8c2a-7d9f-4a43-9e6c-0f4a8b3d5c79',
  podcast: '4c6f9d3b-8e0a-4b54-8f7d-1a5b9c4e6d8a',
  archived: '5d7a0e4c-9f1b-4c65-9a8e-2b6c0d5f7e9b',
  deleted: '6e8b1f5d-0a2c-4d76-8b9f-3c7d1e6a8f0c',
};
export const RECURRING = {
  weekly: '7f9c2a6e-1b3d-4e87-9c0a-4d8e2f7b9a1d',
  daily: '8a0d3b7f-2c4e-4f98-8d1b-5e9f3a8c0b2e',
  firstMonday: '9b1e4c8a-3d5f-4a09-9e2c-6f0a4b9d1c3f',
  evenDays: 'a02f5d9b-4e6a-4b1a-8f3d-7a1b5c0e2d4a',
  names: 'b13a6e0c-5f7b-4c2b-9a4e-8b2c6d1f3e5b',
};
export const TASK = {
  sponsorDoc: 'c24b7f1d-6a8c-4d3c-8b5f-9c3d7e2a4f6c',
  emailSponsor: 'd35c8a2e-7b9d-4e4d-9c6a-0d4e8f3b5a7d',
  invoice: 'e46d9b3f-8c0e-4f5e-8d7b-1e5f9a4c6b8e',
  linkedin: 'f57e0c4a-9d1f-4a6f-9e8c-2f6a0b5d7c9f',
  podcastInvite: '068f1d5b-0e2a-4b70-8f9d-3a7b1c6e8d0a',
  podcastRecord: '17902e6c-1f3b-4c81-9a0e-4b8c2d7f9e1b',
  manual: '28a13f7d-2a4c-4d92-8b1f-5c9d3e8a0f2c',
  telegram: '39b24a8e-3b5d-4ea3-9c2a-6d0e4f9b1a3d',
  email: '4ac35b9f-4c6e-4fb4-8d3b-7e1f5a0c2b4e',
  orphan: '5bd46ca0-5d7f-4ac5-9e4c-8f2a6b1d3c5f',
  weeklyMar09: '6ce57db1-6e8a-4bd6-8f5d-9a3b7c2e4d6a',
  weeklyMar16: '7df68ec2-7f9b-4ce7-9a6e-0b4c8d3f5e7b',
  badDate: '8e079fd3-8a0c-4df8-8b7f-1c5d9e4a6f8c',
  blocked: '9f18a0e4-9b1d-4e09-9c8a-2d6e0f5b7a9d',
};
export const FILE = {
  invoice: 'a029b1f5-0c2e-4f1a-8d9b-3e7f1a6c8b0e',
  banner: 'b13ac206-1d3f-4a2b-9e0c-4f8a2b7d9c1f',
  missing: 'c24bd317-2e4a-4b3c-8f1d-5a9b3c8e0d2a',
  orphan: 'd35ce428-3f5b-4c4d-9a2e-6b0c4d9f1e3b',
};
export const NOTIFICATION = {
  autoCreated: 'e46df539-4a6c-4d5e-8b3f-7c1d5e0a2f4c',
  globalDismissed: 'f57e064a-5b7d-4e6f-9c4a-8d2e6f1b3a5d',
  deletedRecipient: '068f175b-6c8e-4f70-8d5b-9e3f7a2c4b6e',
};
export const SESSION_TOKENS = ['11111111-2222-4333-8444-555555555555', '66666666-7777-4888-8999-aaaaaaaaaaaa'];

/** Relative paths under the prototype's upload dir (src/storage.ts saveFile: "<taskId>/<filename>") and their bytes. */
export const UPLOADS: Record<string, string> = {
  [`${TASK.invoice}/invoice-march.pdf`]: '%PDF-1.4 invoice for the March newsletter sponsor\n',
  [`${TASK.manual}/banner.png`]: 'PNG banner bytes for the social post\n',
};

const LONG_TITLE = `Archived: ${'Data Engineering Zoomcamp 2026 cohort launch, '.repeat(6).trim()}`;

/** Items per prototype table, as stored. */
export function prototypeItems(): Record<PrototypeTableName, Item[]> {
  return {
    // src/db/users.ts createUser/createUserWithId: { PK, SK, id, createdAt, name, email, passwordHash? }
    Users: [
      { ...key('USER', USER.grace), id: USER.grace, createdAt: '2026-01-05T08:00:00.000Z', name: 'Grace', email: 'grace@datatalks.club', passwordHash: sha256('111') },
      { ...key('USER', USER.valeriia), id: USER.valeriia, createdAt: '2026-01-05T08:00:01.000Z', name: 'Valeriia', email: 'valeriia@datatalks.club', passwordHash: sha256('111') },
      { ...key('USER', USER.alexey), id: USER.alexey, createdAt: '2026-01-05T08:00:02.000Z', name: 'Alexey', email: 'alexey@datatalks.club' },
      // Added again later with different capitalisation: the prototype never checked uniqueness.
      { ...key('USER', USER.graceAgain), id: USER.graceAgain, createdAt: '2026-02-01T10:00:00.000Z', name: 'Grace (laptop)', email: 'Grace@DataTalks.Club' },
      { ...key('USER', USER.broken), id: USER.broken, createdAt: '2026-02-02T10:00:00.000Z', name: 'Test', email: 'not-an-email' },
    ],
    // src/db/templates.ts createTemplate with the fields of src/types.ts Template (scripts/seed-templates.ts shapes).
    Templates: [
      {
        ...key('TEMPLATE', TEMPLATE.newsletter),
        id: TEMPLATE.newsletter,
        createdAt: '2026-01-06T09:00:00.000Z',
        updatedAt: '2026-02-10T09:00:00.000Z',
        name: 'Newsletter',
        type: 'newsletter',
        emoji: '\u{1F4F0}',
        tags: ['Newsletter'],
        defaultAssigneeId: USER.grace,
        triggerType: 'automatic',
        triggerSchedule: '0 9 * * 1',
        triggerLeadDays: 14,
        references: [{ name: 'Process documents', url: 'https://docs.google.com/document/d/process/edit' }],
        bundleLinkDefinitions: [{ name: 'Sponsorship document' }, { name: 'Mailchimp newsletter' }],
        taskDefinitions: [
          { refId: 'create-sponsorship-document', description: 'Create sponsorship document', offsetDays: -14, instructionsUrl: 'https://docs.google.com/document/d/sponsor/edit', requiredLinkName: 'Sponsorship document' },
          { refId: 'email-sponsor', description: 'Email the sponsor with the sponsorship document - add Valeriia in communication', offsetDays: -14, isMilestone: true, assigneeId: USER.valeriia },
          { refId: 'create-invoice', description: 'Create an Invoice', offsetDays: 0, requiresFile: true },
          { refId: 'schedule-sponsorship-linkedin', description: 'Schedule Sponsorship content on LinkedIn', offsetDays: 2, stageOnComplete: 'after-event' },
        ],
      },
      {
        ...key('TEMPLATE', TEMPLATE.podcast),
        id: TEMPLATE.podcast,
        createdAt: '2026-01-07T09:00:00.000Z',
        updatedAt: '2026-01-07T09:00:00.000Z',
        name: 'Podcast',
        type: 'podcast',
        emoji: '\u{1F399}\u{FE0F}',
        tags: ['Podcast'],
        triggerType: 'manual',
        bundleLinkDefinitions: [{ name: 'Luma' }],
        taskDefinitions: [
          { refId: 'invite-guest', description: 'Invite the guest', offsetDays: -21, requiredLinkName: 'Luma' },
          { refId: 'record', description: 'Record the episode', offsetDays: 0, stageOnComplete: 'announced' },
        ],
      },
      // The older copy with the same name (data.md: "Newsletter #133 (legacy, older version)").
      {
        ...key('TEMPLATE', TEMPLATE.legacyNewsletter),
        id: TEMPLATE.legacyNewsletter,
        createdAt: '2025-12-01T09:00:00.000Z',
        updatedAt: '2025-12-01T09:00:00.000Z',
        name: 'Newsletter',
        type: 'newsletter',
        taskDefinitions: [{ refId: 'write', description: 'Write the newsletter', offsetDays: -3 }],
      },
    ],
    // src/db/bundles.ts createBundle; src/cron/runner.ts copies emoji, tags, references and empty bundleLinks slots from the template.
    Projects: [
      {
        ...key('BUNDLE', BUNDLE.newsletter),
        id: BUNDLE.newsletter,
        createdAt: '2026-03-02T09:00:00.000Z',
        updatedAt: '2026-03-18T12:00:00.000Z',
        title: 'Newsletter - Mar 16',
        anchorDate: '2026-03-16',
        templateId: TEMPLATE.newsletter,
        stage: 'after-event',
        status: 'active',
        emoji: '\u{1F4F0}',
        tags: ['Newsletter'],
        references: [{ name: 'Process documents', url: 'https://docs.google.com/document/d/process/edit' }],
        bundleLinks: [
          { name: 'Sponsorship document', url: 'https://docs.google.com/document/d/sponsor-march/edit' },
          { name: 'Mailchimp newsletter', url: '' },
        ],
      },
      {
        ...key('BUNDLE', BUNDLE.podcast),
        id: BUNDLE.podcast,
        createdAt: '2026-02-27T09:00:00.000Z',
        updatedAt: '2026-02-27T09:00:00.000Z',
        title: 'Podcast with Jane Doe',
        description: 'Season 20, episode 3',
        anchorDate: '2026-03-20',
        templateId: TEMPLATE.podcast,
        stage: 'preparation',
        status: 'active',
        tags: ['Podcast'],
        bundleLinks: [{ name: 'Luma', url: '' }],
      },
      {
        ...key('BUNDLE', BUNDLE.archived),
        id: BUNDLE.archived,
        createdAt: '2026-01-10T09:00:00.000Z',
        updatedAt: '2026-02-28T09:00:00.000Z',
        title: LONG_TITLE,
        description: 'Kick-off materials',
        anchorDate: '2026-01-20',
        stage: 'done',
        status: 'archived',
      },
    ],
    // src/db/tasks.ts createTask (status 'todo' default); src/db/templates.ts instantiateTemplate (source 'template',
    // templateTaskRef, date = anchor + offsetDays); src/db/recurring.ts generateRecurringTasks (source 'recurring',
    // recurringConfigId); src/routes/telegram.ts and email.ts (sources 'telegram', 'email'; comment = e-mail body).
    // RECURRING# items share the Tasks table (src/db/recurring.ts createRecurringConfig: enabled true by default).
    Tasks: [
      task(TASK.sponsorDoc, { description: 'Create sponsorship document', date: '2026-03-02', status: 'done', source: 'template', bundleId: BUNDLE.newsletter, templateTaskRef: 'create-sponsorship-document', assigneeId: USER.grace, instructionsUrl: 'https://docs.google.com/document/d/sponsor/edit', requiredLinkName: 'Sponsorship document', link: 'https://docs.google.com/document/d/sponsor-march/edit', tags: ['Newsletter'] }, '2026-03-02T09:00:00.100Z', '2026-03-03T15:30:00.000Z'),
      task(TASK.emailSponsor, { description: 'Email the sponsor with the sponsorship document - add Valeriia in communication', date: '2026-03-02', status: 'done', source: 'template', bundleId: BUNDLE.newsletter, templateTaskRef: 'email-sponsor', assigneeId: USER.valeriia, tags: ['Newsletter'] }, '2026-03-02T09:00:00.200Z', '2026-03-04T10:00:00.000Z'),
      task(TASK.invoice, { description: 'Create an Invoice', date: '2026-03-16', status: 'todo', source: 'template', bundleId: BUNDLE.newsletter, templateTaskRef: 'create-invoice', assigneeId: USER.grace, requiresFile: true, tags: ['Newsletter'] }, '2026-03-02T09:00:00.300Z'),
      task(TASK.linkedin, { description: 'Schedule Sponsorship content on LinkedIn', date: '2026-03-18', status: 'todo', source: 'template', bundleId: BUNDLE.newsletter, templateTaskRef: 'schedule-sponsorship-linkedin', assigneeId: USER.grace, stageOnComplete: 'after-event', tags: ['Newsletter'] }, '2026-03-02T09:00:00.400Z'),
      task(TASK.podcastInvite, { description: 'Invite the guest', date: '2026-02-27', status: 'todo', source: 'template', bundleId: BUNDLE.podcast, templateTaskRef: 'invite-guest', assigneeId: USER.alexey, requiredLinkName: 'Luma' }, '2026-02-27T09:00:00.100Z'),
      task(TASK.podcastRecord, { description: 'Record the episode', date: '2026-03-20', status: 'todo', source: 'template', bundleId: BUNDLE.podcast, templateTaskRef: 'record', assigneeId: USER.graceAgain, stageOnComplete: 'announced' }, '2026-02-27T09:00:00.200Z'),
      task(TASK.manual, { description: 'Post the cohort banner\nUse the new brand colours; ask Valeriia for the copy.', date: '2026-03-18', status: 'todo', source: 'manual', comment: null, assigneeId: USER.valeriia }, '2026-03-10T11:00:00.000Z'),
      task(TASK.telegram, { description: 'Reply to the sponsor about the April slot', date: '2026-03-17', status: 'todo', source: 'telegram' }, '2026-03-11T07:45:00.000Z'),
      task(TASK.email, { description: 'Process email: workshop proposal', date: '2026-03-16', status: 'archived', source: 'email', comment: `Hi team,\n\n${'We would like to run a workshop. '.repeat(200)}` }, '2026-03-12T16:20:00.000Z', '2026-03-13T09:00:00.000Z'),
      task(TASK.orphan, { description: 'Upload the recording', date: '2026-03-05', status: 'done', source: 'manual', bundleId: BUNDLE.deleted, assigneeId: USER.deleted }, '2026-02-20T10:00:00.000Z', '2026-03-05T18:00:00.000Z'),
      task(TASK.weeklyMar09, { description: 'Make sure the newsletter for the next week is prepared', date: '2026-03-09', status: 'done', source: 'recurring', recurringConfigId: RECURRING.weekly, assigneeId: USER.grace }, '2026-03-09T06:00:00.000Z', '2026-03-09T14:00:00.000Z'),
      task(TASK.weeklyMar16, { description: 'Make sure the newsletter for the next week is prepared', date: '2026-03-16', status: 'todo', source: 'recurring', recurringConfigId: RECURRING.weekly, assigneeId: USER.grace }, '2026-03-16T06:00:00.000Z'),
      task(TASK.badDate, { description: 'Renew the domain', date: '2026-02-30', status: 'todo', source: 'manual' }, '2026-02-15T10:00:00.000Z'),
      task(TASK.blocked, { description: 'Chase the venue contract', date: '2026-03-19', status: 'blocked', source: 'manual', assigneeId: USER.alexey }, '2026-03-14T10:00:00.000Z'),
      recurring(RECURRING.weekly, { description: 'Make sure the newsletter for the next week is prepared', cronExpression: '0 9 * * 1', assigneeId: USER.grace }, '2026-01-08T09:00:00.000Z'),
      recurring(RECURRING.daily, { description: 'Invite people to Slack from Airtable', cronExpression: '* * * * *', assigneeId: USER.valeriia }, '2026-01-08T09:01:00.000Z'),
      recurring(RECURRING.firstMonday, { description: 'Create a slack dump', cronExpression: '0 10 1 * 1', assigneeId: USER.alexey }, '2026-01-08T09:02:00.000Z'),
      recurring(RECURRING.evenDays, { description: 'Backup the mailing list from mailchimp to google drive', cronExpression: '0 8 */2 * *' }, '2026-01-08T09:03:00.000Z'),
      recurring(RECURRING.names, { description: 'Weekly metrics review', cronExpression: '0 9 * * MON', enabled: false }, '2026-01-08T09:04:00.000Z'),
    ],
    // src/db/files.ts createFile from src/routes/files.ts handleUpload: { taskId, filename, category, storagePath, tags? }.
    Files: [
      { ...key('FILE', FILE.invoice), id: FILE.invoice, createdAt: '2026-03-16T10:00:00.000Z', taskId: TASK.invoice, filename: 'invoice-march.pdf', category: 'invoice', storagePath: `${TASK.invoice}/invoice-march.pdf` },
      { ...key('FILE', FILE.banner), id: FILE.banner, createdAt: '2026-03-11T10:00:00.000Z', taskId: TASK.manual, filename: 'banner.png', category: 'image', tags: ['social'], storagePath: `${TASK.manual}/banner.png` },
      { ...key('FILE', FILE.missing), id: FILE.missing, createdAt: '2026-03-12T10:00:00.000Z', taskId: TASK.manual, filename: 'draft.docx', category: 'document', storagePath: `${TASK.manual}/draft.docx` },
      { ...key('FILE', FILE.orphan), id: FILE.orphan, createdAt: '2026-02-21T10:00:00.000Z', taskId: 'deadbeef-0000-4000-8000-000000000000', filename: 'old.pdf', category: 'document', storagePath: 'deadbeef-0000-4000-8000-000000000000/old.pdf' },
    ],
    // src/db/notifications.ts createNotification (dismissed false by default); src/cron/runner.ts writes
    // { message, bundleId, templateId, userId? }.
    Notifications: [
      { ...key('NOTIFICATION', NOTIFICATION.autoCreated), id: NOTIFICATION.autoCreated, dismissed: false, createdAt: '2026-03-02T09:00:01.000Z', message: 'Newsletter bundle auto-created for Mar 16', bundleId: BUNDLE.newsletter, templateId: TEMPLATE.newsletter, userId: USER.grace },
      { ...key('NOTIFICATION', NOTIFICATION.globalDismissed), id: NOTIFICATION.globalDismissed, dismissed: true, createdAt: '2026-02-27T09:00:01.000Z', message: 'Podcast bundle auto-created for Mar 20', bundleId: BUNDLE.podcast, templateId: TEMPLATE.podcast },
      { ...key('NOTIFICATION', NOTIFICATION.deletedRecipient), id: NOTIFICATION.deletedRecipient, dismissed: false, createdAt: '2026-02-01T09:00:00.000Z', message: 'Welcome!', userId: USER.deleted },
    ],
    // src/db/sessions.ts createSession: { PK: SESSION#<token>, token, userId, createdAt } (plaintext token).
    Sessions: SESSION_TOKENS.map((token, i) => ({ ...key('SESSION', token), token, userId: i === 0 ? USER.grace : USER.alexey, createdAt: '2026-03-15T08:00:00.000Z' })),
  };
}

function task(id: string, fields: Item, createdAt: string, updatedAt = createdAt): Item {
  return { ...key('TASK', id), id, createdAt, updatedAt, ...fields };
}

function recurring(id: string, fields: Item, createdAt: string): Item {
  return { ...key('RECURRING', id), id, createdAt, updatedAt: createdAt, enabled: true, ...fields };
}

/** The records without the table keys, as the prototype's cleanItem returns them. */
export function withoutKeys(item: Item): Item {
  const { PK: _pk, SK: _sk, ...rest } = item;
  return rest;
}
