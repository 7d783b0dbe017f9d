import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root: the functions' entries, package-lock.json and tsconfig.json live there. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The Lambda runtime for every function. Node.js 24 is the newest managed Node runtime this
 * aws-cdk-lib knows (cdk-nag's AwsSolutions-L1 wants the newest of the family); Node 22 is the floor.
 */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export interface ServiceFunctionProps {
  /** Kebab-case name: the folder under functions/ and the Powertools service name. */
  name: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  /** Log group retention, in days (a CloudWatch Logs retention value). */
  logRetentionDays: number;
  reservedConcurrentExecutions?: number;
}

/**
 * A NodejsFunction with the settings every function here shares: arm64, the newest Node runtime,
 * active X-Ray tracing, a log group of its own with a retention, and a role of its own that starts
 * with nothing but the right to write to that log group (no AWS managed policy, whose
 * `logs:CreateLogGroup` on `*` we do not need). Callers grant the rest statement by statement.
 *
 * Bundling runs the local esbuild (never Docker): minified, with a source map (without the
 * sources, to keep the zip small) that Node uses for stack traces via `--enable-source-maps`.
 * The AWS SDK v3 clients are bundled rather than taken from the runtime: the runtime's SDK
 * version changes without notice, while the bundle carries exactly the versions from
 * package-lock.json that the tests ran against; `module` entry points first let esbuild
 * tree-shake the SDK's ES builds (about 350 KB minified for all four clients we use).
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly name: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.name = props.name;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        bundleAwsSDK: true,
        // The functions inject Node's global fetch into the TeraBox client (functions/shared/runtime.ts);
        // node-fetch, the client's default elsewhere, is required lazily and never loaded in Lambda.
        externalModules: ['node-fetch'],
        logLevel: LogLevel.WARNING,
      },
    });
    // The role's policy must exist before the function, or the first invocations can fail.
    this.function.node.addDependency(this.role);
  }
}
