export * from './labels';
export * from './pod-security';
export * from './soft-tenant';
export * from './tenancy-platform';
export * from './tenant-member';
export * from './tenant-network';
export * from './tenant-quota';
export * from './sandbox/tenant-sandbox';
export * as aws from './aws';
