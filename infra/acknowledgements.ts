/**
 * Acknowledged scanner findings, recorded on the construct they concern and never without a
 * reason: cdk-nag (checked on every synthesis) and checkov (run by scripts/lint-infra.sh on the
 * synthesized template).
 */
import { Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface Acknowledgement {
  /** The rule ID (cdk-nag: with the finding in brackets for granular rules; checkov: CKV_...). */
  readonly id: string;
  /** Why the finding is acceptable here: required, reviewed with the code. */
  readonly reason: string;
}

function requireReason({ id, reason }: Acknowledgement): void {
  if (reason.trim().length < 20) throw new Error(`acknowledgement of ${id} needs a real reason`);
}

/** Records cdk-nag acknowledgements on a construct; every one must carry its reason. */
export function acknowledgeNagFindings(scope: IConstruct, acknowledgements: readonly Acknowledgement[]): void {
  for (const acknowledgement of acknowledgements) {
    requireReason(acknowledgement);
    Validations.of(scope).acknowledge({ id: acknowledgement.id, reason: acknowledgement.reason });
  }
}

/**
 * Records checkov skips in a resource's template Metadata (`checkov: { skip: [{ id, comment }] }`,
 * the form checkov reads from CloudFormation), so the reason travels with the resource into the
 * synthesized template that scripts/lint-infra.sh scans.
 */
export function acknowledgeCheckovFindings(resource: CfnResource, acknowledgements: readonly Acknowledgement[]): void {
  acknowledgements.forEach(requireReason);
  const skip = acknowledgements.map(({ id, reason }) => ({ id, comment: reason }));
  const existing = (resource.getMetadata('checkov') as { skip?: unknown[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, ...skip] });
}
