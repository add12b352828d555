/**
 * The committed lambda-functions/execution-state.template.json is exactly what `npm run synth`
 * produces from infra/, and it is a plain CloudFormation template SAM can nest.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTemplate, synthesizeTemplate, TEMPLATE_FILE, TEMPLATE_PATH } from '../../infra/synth.js';
import { ALARM_EMAIL_PARAMETER, STAGE_PARAMETER, VAULT_LOCK_PARAMETER } from '../../infra/execution-state-stack.js';

const fresh = renderTemplate(synthesizeTemplate());
const committed = readFileSync(TEMPLATE_FILE, 'utf8');

/** The first differing line, so the failure says where the drift is. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  const line = want.findIndex((text, index) => text !== got[index]);
  const at = line === -1 ? want.length : line;
  return `line ${at + 1}: synthesized ${JSON.stringify(want[at])}, committed ${JSON.stringify(got[at])}`;
}

describe('synthesized template', () => {
  it('is committed exactly as `npm run synth` writes it', () => {
    if (committed !== fresh) {
      expect.fail(
        `${TEMPLATE_PATH} is out of date with infra/ (${firstDifference(fresh, committed)}). ` +
          'Run `npm run synth` and commit the regenerated template together with the infra change.',
      );
    }
  });

  it('is deterministic: two syntheses are byte-identical', () => {
    expect(renderTemplate(synthesizeTemplate())).toBe(fresh);
  });

  it('is stably formatted: sorted keys, two-space indentation, one trailing newline', () => {
    expect(fresh.endsWith('}\n')).toBe(true);
    expect(fresh.endsWith('\n\n')).toBe(false);
    expect(fresh).toBe(`${JSON.stringify(JSON.parse(fresh), null, 2)}\n`);
    const checkSorted = (value: unknown, path: string): void => {
      if (Array.isArray(value)) value.forEach((item, index) => checkSorted(item, `${path}[${index}]`));
      else if (value && typeof value === 'object') {
        const keys = Object.keys(value);
        expect(keys, `keys of ${path}`).toEqual([...keys].sort());
        for (const key of keys) checkSorted((value as Record<string, unknown>)[key], `${path}.${key}`);
      }
    };
    checkSorted(JSON.parse(fresh), '$');
  });

  it('has no CDK bootstrap, metadata, path or asset artefacts', () => {
    const template = JSON.parse(fresh) as {
      Parameters?: Record<string, unknown>;
      Rules?: unknown;
      Conditions?: Record<string, unknown>;
      Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
    };
    expect(Object.keys(template.Parameters ?? {}).sort()).toEqual([STAGE_PARAMETER, ALARM_EMAIL_PARAMETER, VAULT_LOCK_PARAMETER].sort());
    expect(template.Rules).toBeUndefined();
    expect(Object.keys(template.Conditions ?? {}).filter((name) => name.startsWith('CDK'))).toEqual([]);
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      expect(resource.Type, logicalId).not.toBe('AWS::CDK::Metadata');
      // Only checkov skips (each with its reason) may ride along; no CDK metadata.
      expect(Object.keys(resource.Metadata ?? {}), `${logicalId} Metadata`).toEqual(resource.Metadata ? ['checkov'] : []);
    }
    for (const artefact of ['BootstrapVersion', 'CDKMetadata', 'aws:cdk:path', 'aws:asset', 'AssetParameters', 'cdk-hnb659fds', 'cdk_nag']) {
      expect(fresh, artefact).not.toContain(artefact);
    }
  });
});
