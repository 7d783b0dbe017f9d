import { App, type AppProps } from 'aws-cdk-lib';
import { InfraConfigError, readStackConfig, type StackConfig } from './config';
import { acknowledgeNagFindings, addNagChecks } from './nag';
import { ShareLifecycleStack } from './share-lifecycle-stack';

export interface ShareLifecycleApp {
  app: App;
  stack: ShareLifecycleStack;
  config: StackConfig;
}

export interface BuildAppOptions {
  /** Skip the cdk-nag acknowledgements (tests use it to prove each one matches a real finding). */
  skipNagAcknowledgements?: boolean;
}

/**
 * Builds the CDK app: reads and validates the context first (every problem reported at once,
 * before any construct exists), then the stack, then the cdk-nag checks and acknowledgements.
 */
export function buildApp(props: AppProps = {}, options: BuildAppOptions = {}): ShareLifecycleApp {
  const app = new App(props);
  const config = readStackConfig(app.node);
  const stack = new ShareLifecycleStack(app, config.stackName, { config });
  addNagChecks(app);
  if (!options.skipNagAcknowledgements) acknowledgeNagFindings(stack);
  return { app, stack, config };
}

if (require.main === module) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // A context mistake is the operator's to fix: print the list, not a stack trace.
    if (!(error instanceof InfraConfigError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}
