export * from './tenant-fargate-profile';
