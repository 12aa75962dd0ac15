// Re-exports only: a folder per feature (see the README's "Layout").

// core/: the keys every part agrees on.
export * from './core/labels';

// platform/: the cluster-wide part, and the registry features add to.
export * from './platform/tenancy-platform';
export { GUARDRAILS_POLICY_NAME } from './platform/guardrails';

// tenant/: SoftTenant and its parts.
export * from './tenant/soft-tenant';
export * from './tenant/pod-security';
export * from './tenant/tenant-member';
export * from './tenant/tenant-network';
export * from './tenant/tenant-quota';
export * from './tenant/tenant-rights';
export * from './tenant/tenant-profile';

// Tenant extensions, each with its guard.
export * from './placement/tenant-placement';
export * from './placement/placement-engine';
export * from './sandbox/tenant-sandbox';
export * from './sandbox/tenant-runtime-classes';
export { SANDBOX_POLICY_NAME } from './sandbox/guard';
export * from './selfservice/tenant-self-service';
export { SELF_SERVICE_POLICY_NAME, SELF_SERVICE_PODS_POLICY_NAME, SELF_SERVICE_ANCHORS_POLICY_NAME, SELF_SERVICE_TREES_POLICY_NAME } from './selfservice/guard';
export * from './mesh/istio-tenant-control-plane';
export * from './vcluster/virtual-tenant-cluster';
export * from './network/tenant-services';
export * from './storage/tenant-storage';
export * from './images/tenant-images';
export * from './ingress/tenant-ingress';
export * from './lifecycle/tenant-lifecycle';
export { BreakGlassIdentity } from './lifecycle/break-glass';
export { DELETION_PROTECTION_POLICY_NAME, CORDON_POLICY_NAME } from './lifecycle/guard';
export * from './cost/tenant-pod-labels';

// Delivery and checks.
export * from './gitops/gitops-retention';
export * from './gitops/tenancy-gitops';
export * from './gitops/tenancy-gitops-options';
export * from './gitops/tenancy-gitops-writer';
export * from './gitops/tenant-gitops';
export * from './audit/audit-report';
export * from './audit/tenancy-audit';

// aws/: everything that imports aws-cdk-lib, loaded on first use.
export * as aws from './aws';
