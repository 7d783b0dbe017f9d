import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { ShareLifecycleStack } from './share-lifecycle-stack';

/** Runs cdk-nag's AwsSolutions pack on every synth; unacknowledged errors fail it. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** One acknowledged finding: the rule (or rule[finding]) id, where it applies and why. */
export interface NagAcknowledgement {
  id: string;
  scope: IConstruct;
  reason: string;
}

/**
 * Every cdk-nag finding this stack accepts, each on the narrowest construct it applies to and
 * with its reason. Kept in one list so that a reviewer sees all exceptions in one place.
 */
export function nagAcknowledgements(stack: ShareLifecycleStack): NagAcknowledgement[] {
  const functionRoles = [...Object.values(stack.functions), ...(stack.notices ? [stack.notices.notifier] : [])].map((fn) => ({
    id: 'AwsSolutions-IAM5[Resource::*]',
    scope: fn.role,
    reason:
      `Active X-Ray tracing of ${fn.name} needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ` +
      'resource-level permissions (the Resource must be *). Every other statement of this role names its resources; ' +
      'the infra tests check that no other statement uses *.',
  }));
  // The three functions that read a TeraBox session (not the notifier) may read every account secret of this deployment.
  const accountSecrets = `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${stack.secretName.slice(0, stack.secretName.indexOf('/') + 1)}*`;
  const secretReaders = Object.values(stack.functions).map((fn) => ({
    id: `AwsSolutions-IAM5[Resource::${accountSecrets}]`,
    scope: fn.role,
    reason:
      `${fn.name} reads the TeraBox session of whichever registered account a request, a cancel batch or a sweep names ` +
      '(issue 15: one secret per account, added later with `share-lifecycle accounts add`, so their names are not known at deploy time). ' +
      `The wildcard is only secretsmanager:GetSecretValue on the secrets named under this stack's prefix, which 'accounts add' enforces on every account's secret; ` +
      'no other secret of the AWS account is readable, and the infra tests check that no other role may read them.',
  }));
  const sweepArn = stack.resolve(stack.functions['sweep-shares'].function.functionArn) as { 'Fn::GetAtt': [string, string] };
  const stateMachineRole = stack.sweepStateMachine.role;
  return [
    ...functionRoles,
    ...secretReaders,
    {
      id: `AwsSolutions-IAM5[Resource::<${sweepArn['Fn::GetAtt'][0]}.Arn>:*]`,
      scope: stateMachineRole,
      reason:
        'The sweep state machine may invoke only the sweep function; the :* suffix, added by the LambdaInvoke task, ' +
        'covers the versions and aliases of that one function, not other functions.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      scope: stateMachineRole,
      reason:
        'Step Functions logging to CloudWatch Logs needs the log-delivery actions (logs:CreateLogDelivery and its kin, ' +
        'logs:PutResourcePolicy, logs:DescribeResourcePolicies, logs:DescribeLogGroups) and X-Ray tracing needs ' +
        'xray:PutTraceSegments and its kin; none of them supports resource-level permissions. The infra tests check ' +
        'that this role uses * for no other action.',
    },
    {
      id: 'AwsSolutions-SMG4',
      scope: stack.secret,
      reason:
        'The secret holds the TeraBox ndus session cookie, which only comes from an interactive browser login; ' +
        'no Lambda can obtain a new one, so automatic rotation is impossible. Auth failures raise an alarm instead.',
    },
  ];
}

/** Records every acknowledgement on its construct (CDK's Validations metadata, read by cdk-nag). */
export function acknowledgeNagFindings(stack: ShareLifecycleStack): void {
  for (const ack of nagAcknowledgements(stack)) {
    Validations.of(ack.scope).acknowledge({ id: ack.id, reason: ack.reason });
  }
}
