/** The sweep schedule (EventBridge Scheduler) and the role it starts the sweep state machine with. */
import { Duration, type Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { SweepExecutionInput } from '../../lib/contracts/sweep-steps';
import type { StackConfig } from '../config';

/** What every scheduled execution starts with. No dryRun: scheduled runs follow GLOBAL_DRY_RUN and the policies' own modes. */
export const SCHEDULED_SWEEP_INPUT: SweepExecutionInput = { trigger: 'schedule' };

export function addSweepSchedule(stack: Stack, sweep: IStateMachine, config: StackConfig): { schedule: Schedule; role: Role } {
  // Our own role (instead of the target's implicit one) so that tests and reviewers can name it;
  // only Scheduler acting for this account may assume it (confused deputy).
  const role = new Role(stack, 'SweepScheduleRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
    }),
    description: 'Lets EventBridge Scheduler start executions of the sweep state machine',
  });
  const schedule = new Schedule(stack, 'SweepSchedule', {
    description: `Runs the share sweep (${config.scheduleExpression}, ${config.scheduleTimeZone})`,
    schedule: ScheduleExpression.expression(config.scheduleExpression, TimeZone.of(config.scheduleTimeZone)),
    target: new StepFunctionsStartExecution(sweep, {
      role,
      input: ScheduleTargetInput.fromObject(SCHEDULED_SWEEP_INPUT),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    }),
  });
  return { schedule, role };
}
