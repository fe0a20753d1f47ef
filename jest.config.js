/** Jest runs TypeScript through swc (type-checking is `tsc`, the first half of `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // aedes is ESM-only: let swc compile it to CommonJS (jest 30 on Node 20 cannot require ESM).
  transformIgnorePatterns: ['/node_modules/(?!aedes/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  testTimeout: 60000,
};
