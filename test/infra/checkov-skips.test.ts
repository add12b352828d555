/**
 * Every checkov check skipped in either template (scripts/lint-infra.sh scans both) says which
 * check and why, next to the resource it concerns.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSamTemplate } from '../../infra/sam-template.js';
import { TEMPLATE_FILE } from '../../infra/synth.js';

interface Skip {
  id?: unknown;
  comment?: unknown;
}

const templates = {
  synthesized: JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as { Resources: Record<string, { Metadata?: Record<string, unknown> }> },
  sam: loadSamTemplate(),
};

const skips = Object.entries(templates).flatMap(([file, template]) =>
  Object.entries(template.Resources).flatMap(([logicalId, resource]) =>
    (((resource.Metadata?.checkov as { skip?: Skip[] } | undefined)?.skip ?? []) as Skip[]).map((skip) => ({ where: `${file}:${logicalId}`, skip })),
  ),
);

describe('checkov skips', () => {
  it('exist where a finding is accepted (the scan is not silenced wholesale)', () => {
    expect(skips.length).toBeGreaterThan(0);
    expect(new Set(skips.map(({ where }) => where)).size).toBeGreaterThan(1);
  });

  it('each name one check and give a reason', () => {
    for (const { where, skip } of skips) {
      expect(String(skip.id), where).toMatch(/^CKV2?_AWS_\d+$/);
      expect(typeof skip.comment, `${where} ${String(skip.id)}`).toBe('string');
      expect((skip.comment as string).length, `${where} ${String(skip.id)}: a reason, not a label`).toBeGreaterThanOrEqual(60);
    }
  });

  it('skip each check at most once per resource', () => {
    const keys = skips.map(({ where, skip }) => `${where} ${String(skip.id)}`);
    expect(keys).toEqual([...new Set(keys)]);
  });
});
