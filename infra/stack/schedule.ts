/** The sweep schedule (EventBridge Scheduler) and the role it invokes the sweep with. */
import { Duration, type Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StackConfig } from '../config';

export function addSweepSchedule(stack: Stack, sweep: IFunction, config: StackConfig): { schedule: Schedule; role: Role } {
  // Our own role (instead of the target's implicit one) so that it can be named in the nag
  // acknowledgements; only Scheduler acting for this account may assume it (confused deputy).
  const role = new Role(stack, 'SweepScheduleRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
    }),
    description: 'Lets EventBridge Scheduler invoke the sweep function',
  });
  const schedule = new Schedule(stack, 'SweepSchedule', {
    description: `Runs the share sweep (${config.scheduleExpression}, ${config.scheduleTimeZone})`,
    schedule: ScheduleExpression.expression(config.scheduleExpression, TimeZone.of(config.scheduleTimeZone)),
    target: new LambdaInvoke(sweep, {
      role,
      // No dryRun here: scheduled runs follow GLOBAL_DRY_RUN and the policies' own modes.
      input: ScheduleTargetInput.fromObject({
        trigger: 'schedule',
        scheduledTime: ContextAttribute.scheduledTime,
        executionId: ContextAttribute.executionId,
      }),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    }),
  });
  return { schedule, role };
}
