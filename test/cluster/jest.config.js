// The cluster tier: the same jest setup as the unit tests (transforms,
// resolver), but only test/cluster/*.cluster.test.ts, one file at a time
// against a real control plane of the Kubernetes minor CLUSTER_KUBE_MINOR
// selects (`npx projen test:cluster` runs every pinned minor).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const { coverageReporters, coverageDirectory, ...base } = require('../../package.json').jest;

module.exports = {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/cluster/**/*.cluster.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  collectCoverage: false,
  // Makes the run's temporary root (the unit tier's globalTeardown, kept
  // from the base, fails the run on leftovers in it), then builds testenv
  // once per run (minutes cold, nothing warm); fails naming what the tier
  // needs when Go is missing.
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  // Prints where a failed file's control-plane logs are, with their tail.
  reporters: ['default', '<rootDir>/test/cluster/log-reporter.js'],
  testTimeout: 120000,
};
