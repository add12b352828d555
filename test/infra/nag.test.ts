/**
 * cdk-nag: the AwsSolutions and NIST 800-53 R5 packs find nothing unacknowledged, and every
 * acknowledgement in infra/ carries a reason and silences a finding that really occurs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Validations, type Acknowledgment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { createExecutionStateApp, nagFindings, nagPacks } from '../../infra/synth.js';
import { synthesize } from './support.js';


afterEach(() => {
  vi.restoreAllMocks();
});

describe('cdk-nag', () => {
  it('runs the AwsSolutions and NIST 800-53 R5 packs on every synthesis', () => {
    const packs = nagPacks();
    expect(packs.map((pack) => pack.readPackName).sort()).toEqual(['AwsSolutions', 'NIST.800.53.R5']);
    expect(packs.some((pack) => pack instanceof AwsSolutionsChecks)).toBe(true);
    expect(packs.some((pack) => pack instanceof NIST80053R5Checks)).toBe(true);
  });

  it('finds zero unacknowledged findings in either pack', () => {
    const { stack } = synthesize();
    expect(nagFindings(stack)).toEqual([]);
  });

  it('every acknowledgement has a reason and silences a finding that occurs without it', () => {
    const recorded: Acknowledgment[] = [];
    // Build the stack with acknowledgements recorded but not applied: the raw findings. (Not
    // synthesized: the registered nag plugins would rightly fail the synthesis.)
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation((...rules: Acknowledgment[]) => {
      recorded.push(...rules);
    });
    const { stack } = createExecutionStateApp();
    const raw = nagFindings(stack).map((finding) => finding.split(' at ')[0]!);

    expect(recorded.length).toBeGreaterThan(0);
    for (const acknowledgement of recorded) {
      expect(acknowledgement.reason.length, acknowledgement.id).toBeGreaterThanOrEqual(40);
    }
    // Nothing is acknowledged that would not fire, and nothing fires that is not acknowledged.
    expect([...new Set(raw)].sort()).toEqual([...new Set(recorded.map((acknowledgement) => acknowledgement.id))].sort());
  });

  it('would report a finding the stack does not acknowledge (the check is live)', () => {
    const { stack } = createExecutionStateApp();
    // cdk-nag reads the L1 properties: turn PITR off underneath the construct.
    (stack.table.node.defaultChild as unknown as { pointInTimeRecoverySpecification: unknown }).pointInTimeRecoverySpecification = {
      pointInTimeRecoveryEnabled: false,
    };
    const all = nagFindings(stack);
    expect(all.some((finding) => finding.startsWith('AwsSolutions-DDB3 at ExecutionState/ExecutionTable'))).toBe(true);
    expect(all.some((finding) => finding.startsWith('NIST.800.53.R5-DynamoDBPITREnabled at ExecutionState/ExecutionTable'))).toBe(true);
  });

  it('fails the synthesis on an unacknowledged finding', () => {
    const { app, stack } = createExecutionStateApp();
    (stack.table.node.defaultChild as unknown as { deletionProtectionEnabled: unknown }).deletionProtectionEnabled = undefined;
    (stack.table.node.defaultChild as unknown as { pointInTimeRecoverySpecification: unknown }).pointInTimeRecoverySpecification = undefined;
    expect(() => app.synth()).toThrow(/DDB3|PITR|Point-in-time/i);
  });
});
