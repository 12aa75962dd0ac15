export * from './tenant-fargate-profile';
export * from './sole-tenant-node-pool';
export * from './hard-tenant-cluster';
export * from './tenant-cluster-compute';
