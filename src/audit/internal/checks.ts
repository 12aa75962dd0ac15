import { TENANT_LABEL } from '../../core/labels';
import { INGRESS_AUDIT_CHECKS } from '../../ingress/audit';
import { LIFECYCLE_AUDIT_CHECKS } from '../../lifecycle/audit';
import { MESH_AUDIT_CHECKS } from '../../mesh/audit';
import { PLACEMENT_AUDIT_CHECKS } from '../../placement/audit';
import { PLATFORM_AUDIT_CHECKS } from '../../platform/audit';
import { SELF_SERVICE_AUDIT_CHECKS } from '../../selfservice/audit';
import { TENANT_AUDIT_CHECKS } from '../../tenant/audit';
import { VCLUSTER_AUDIT_CHECKS } from '../../vcluster/audit';
import { CheckResult, CheckStatus } from '../audit-report';
import { CheckDefinition, ClusterCheckDefinition, ClusterContext } from '../kit/check';
import { Manifests } from '../kit/model';

/**
 * Whether the manifests hold any tenant. None is a failure unless allowed:
 * every tenant check would pass vacuously on the wrong directory, or on
 * manifests whose namespaces lack the label.
 */
export function tenantsFound(m: Manifests, where: string, allowed: boolean): CheckResult {
  const namespaces = [...m.namespaceLabels.keys()];
  const status = m.tenants.size > 0 ? CheckStatus.PASS : allowed ? CheckStatus.NOT_APPLICABLE : CheckStatus.FAIL;
  const read = namespaces.length === 0 ? 'no Namespace objects'
    : `${namespaces.length} Namespace object${namespaces.length === 1 ? '' : 's'} (${namespaces.slice(0, 5).join(', ')}${namespaces.length > 5 ? ', ...' : ''})`;
  return {
    id: 'cluster.tenants',
    title: `Tenants are found: namespaces labelled ${TENANT_LABEL}`,
    status,
    findings: status !== CheckStatus.FAIL ? [] : [{
      object: `label ${TENANT_LABEL}`,
      message: `no tenant found: looked in ${where}, which hold ${read}, none labelled ${TENANT_LABEL}=<tenant>`,
      fix: `Audit the directory holding the tenants' manifests, label each tenant namespace ${TENANT_LABEL}=<tenant> (SoftTenant does), or allow an audit without tenants (--allow-no-tenants).`,
    }],
  };
}

/*
 * The assembly: every feature's checks, in the order of the reports. The
 * ids are a contract (reports, CI filters, the README's table), and so is
 * their order. A feature defines its checks in src/<feature>/audit.ts; a
 * new check is added there and its id here, where it belongs in the report.
 */

/** Tenant checks, in report order. */
const TENANT_CHECK_ORDER = [
  'namespace.pod-security',
  'namespace.hnc-tree',
  'network.default-deny',
  'network.dns',
  'network.metadata-endpoint',
  'quota.namespace',
  'quota.nodeports',
  'quota.limit-range',
  'quota.priority-classes',
  'quota.tenant-budget',
  'rbac.cluster-scope',
  'rbac.other-tenants',
  'rbac.privilege-escalation',
  'rbac.isolation-objects',
  'network.cross-tenant',
  'nodes.placement',
  'mesh.control-plane',
  'vcluster.values',
  'workloads.admitted',
  'ingress.host-collisions',
  'lifecycle.deletion-protection',
];

/** Cluster-wide checks, in report order (after cluster.tenants, which judges the input). */
const CLUSTER_CHECK_ORDER = ['cluster.guardrails'];

/**
 * The checks in `order`; throws when a check is defined twice, left out of
 * the order, or ordered but defined nowhere, so a check is never silently
 * dropped from the reports.
 */
function assemble<C>(order: string[], defined: CheckDefinition<C>[]): CheckDefinition<C>[] {
  const byId = new Map<string, CheckDefinition<C>>();
  for (const c of defined) {
    if (byId.has(c.id)) throw new Error(`audit check ${c.id} is defined twice`);
    byId.set(c.id, c);
  }
  const unordered = [...byId.keys()].filter((id) => !order.includes(id));
  if (unordered.length > 0) throw new Error(`audit checks ${unordered.join(', ')} are not in the report order (src/audit/internal/checks.ts)`);
  return order.map((id) => {
    const c = byId.get(id);
    if (!c) throw new Error(`audit check ${id} is in the report order but defined nowhere`);
    return c;
  });
}

/** Every tenant check, in report order. */
export const TENANT_CHECKS: CheckDefinition[] = assemble(TENANT_CHECK_ORDER, [
  ...TENANT_AUDIT_CHECKS, ...SELF_SERVICE_AUDIT_CHECKS, ...PLACEMENT_AUDIT_CHECKS, ...MESH_AUDIT_CHECKS, ...VCLUSTER_AUDIT_CHECKS,
  ...INGRESS_AUDIT_CHECKS, ...LIFECYCLE_AUDIT_CHECKS,
]);

/** Every cluster-wide check but cluster.tenants, in report order. */
export const CLUSTER_CHECKS: ClusterCheckDefinition[] = assemble(CLUSTER_CHECK_ORDER, [...PLATFORM_AUDIT_CHECKS]);

/** A check's result: not applicable when it returns no findings list, failed when the list is not empty. */
export function runCheck<C>(check: CheckDefinition<C>, ctx: C): CheckResult {
  const findings = check.run(ctx);
  // Warnings alone do not fail a check: what they name is accepted as it is.
  const status = findings === undefined ? CheckStatus.NOT_APPLICABLE
    : findings.some((f) => !f.warning) ? CheckStatus.FAIL : findings.length > 0 ? CheckStatus.WARN : CheckStatus.PASS;
  return { id: check.id, title: check.title, ...(check.benchmark ? { benchmark: check.benchmark } : {}), status, findings: findings ?? [] };
}

/** Cluster-wide checks. */
export function clusterChecks(m: Manifests, source: (o: any) => string | undefined): CheckResult[] {
  const ctx: ClusterContext = { m, source };
  return CLUSTER_CHECKS.map((check) => runCheck(check, ctx));
}
