import type { Config } from 'jest';

// ts-jest without type-checking (isolatedModules): `npm test` runs `tsc --noEmit` once instead,
// which is about three times faster than type-checking inside every test file.
const transform: Config['transform'] = {
  '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
};
// Middy 5+ is ESM-only, as are a few small helpers and parse5 (the HTML report tests): let ts-jest transform them.
const transformIgnorePatterns = ['/node_modules/(?!(@middy|re2js|parse5|entities)/)'];

const common = {
  preset: undefined,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json', 'cjs', 'mjs'],
};

// aws-local-stepfunctions (runs the sweep state machine in tests) needs Node 22's Promise.withResolvers.
const setupFiles = ['<rootDir>/test/support/promise-with-resolvers.ts'];

const config: Config = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles,
      // One Amazon DynamoDB Local (Java) process for the whole run; tests make their own tables.
      globalSetup: '<rootDir>/test/support/dynamodb-local-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-local-teardown.ts',
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'], setupFiles },
    {
      ...common,
      displayName: 'reliability',
      // Fault soak, duplicate delivery, bad input and secrets: the real handlers on DynamoDB Local
      // (the integration project's setup) and the emulator. Behaviour only: speed is `npm run bench`.
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/dynamodb-local-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-local-teardown.ts',
    },
  ],
  testTimeout: 60_000,
};

export default config;
