import { placementGuards } from './internal/audit-guards';
import { NODE_LABELS_POLICY_NAME } from './internal/node-label-guard';
import { PLACEMENT_POLICY_NAME } from './internal/rules';
import { AuditFinding } from '../audit/audit-report';
import { CheckDefinition, finding } from '../audit/kit/check';
import { Manifests, push } from '../audit/kit/model';
import { attractionLabel, DEDICATED_NODES_LABEL, NODE_RESTRICTION_TENANT_LABEL, TENANT_LABEL } from '../core/labels';

// The audit checks of the placement on dedicated nodes (registered, in
// report order, in src/audit/internal/checks.ts).

export const PLACEMENT_AUDIT_CHECKS: CheckDefinition[] = [
  {
    id: 'nodes.placement',
    title: 'Dedicated nodes: taints, tolerations, affinity and admission policies agree',
    benchmark: 'Block use of other tenants\' nodes (seed 003, parts 1-3)',
    run: (ctx) => {
      const p = placementIndex(ctx.m);
      const nodes = p.nodes.get(ctx.tenant) ?? [];
      const attraction = (ns: string) => attractionLabel(ctx.m.namespaceLabels.get(ns)?.[DEDICATED_NODES_LABEL]);
      const dedicated = ctx.namespaces.filter((ns) => attraction(ns) !== undefined);
      const named = p.tolerating.get(ctx.tenant) ?? [];
      if (dedicated.length === 0 && nodes.length === 0 && named.length === 0) return undefined;
      const out: AuditFinding[] = [];
      // The guard is what makes the taint a boundary: a tenant can write its
      // own toleration. Any engine's will do (ValidatingAdmissionPolicy,
      // Kyverno, Gatekeeper), as long as it denies and fails closed.
      const guards = p.guards;
      const fix = 'Apply the platform chart with the placement (TenantPlacement adds the guard of the platform\'s placement engine).';
      if (guards.length === 0) {
        out.push(finding(ctx, `ValidatingAdmissionPolicy ${PLACEMENT_POLICY_NAME}`, 'is missing: any pod may tolerate the tenant\'s taint and run on its nodes', fix));
      }
      for (const g of guards.filter((x) => x.problem)) out.push(finding(ctx, g.object, g.problem!, fix));
      // A guard of a release before the node-restriction label does not
      // know that namespaces marked for it have dedicated nodes at all (a
      // guard with a problem is reported as such: its rules may be missing).
      const restricted = dedicated.filter((ns) => attraction(ns) === NODE_RESTRICTION_TENANT_LABEL);
      for (const g of guards.filter((x) => !x.problem && !x.knowsNodeRestriction && restricted.length > 0)) {
        out.push(finding(ctx, g.object, `predates the ${NODE_RESTRICTION_TENANT_LABEL} label: it holds the pods of ${restricted.join(', ')} (${DEDICATED_NODES_LABEL}=node-restriction) to no nodes at all`,
          'Apply the platform chart of this release (its placement guard) before the tenants\' manifests.'));
      }
      // Namespaces the guard leaves alone (node agents), as the guard says.
      const exempt = guards.length > 0 ? guards.flatMap((g) => g.exempt) : ['kube-system'];
      for (const w of inOrder([...named, ...p.toleratingAll])) {
        const ns = w.object.metadata?.namespace;
        if (ns && !ctx.namespaces.includes(ns) && !exempt.includes(ns)) {
          out.push(finding(ctx, w.object, `tolerates the dedicated nodes of tenant '${ctx.tenant}' from namespace ${ns}, which is not the tenant's`,
            `Remove the toleration for ${TENANT_LABEL}=${ctx.tenant} (or tolerating every taint).`));
        }
      }
      for (const w of inOrder(ctx.namespaces.flatMap((ns) => p.inNamespace.get(ns) ?? []))) {
        if (w.spec.nodeName) {
          out.push(finding(ctx, w.object, `picks node ${w.spec.nodeName} itself (spec.nodeName), past the scheduler and the taints`, 'Remove spec.nodeName: the placement adds the affinity.'));
        }
        const foreign = (w.spec.tolerations ?? []).filter((t: any) => t.key === TENANT_LABEL && t.value !== undefined && t.value !== ctx.tenant);
        if (foreign.length > 0) {
          out.push(finding(ctx, w.object, `tolerates the dedicated nodes of tenant '${foreign[0].value}'`, 'Remove the toleration.'));
        }
      }
      // Issue #16: pods attracted by the tenant label, which a kubelet may
      // set on its own Node (what every release before the node-restriction
      // label wrote), are accepted, with a warning saying how to migrate,
      // unless the node label guard holds kubelets off that label (the
      // documented choice for EKS managed node groups).
      const kubeletLabelled = dedicated.filter((ns) => attraction(ns) === TENANT_LABEL);
      if (kubeletLabelled.length > 0 && !nodeLabelGuardBound(ctx.m)) {
        for (const ns of kubeletLabelled) {
          out.push({
            ...finding(ctx, ctx.m.kind('Namespace').find((o) => o.object.metadata?.name === ns)?.object ?? `Namespace ${ns}`,
              `attracts its pods to tenant '${ctx.tenant}'s nodes by ${TENANT_LABEL} (${DEDICATED_NODES_LABEL}=true), a label a kubelet may set on its own Node: `
              + 'a compromised shared node can label itself and attract the tenant\'s pods',
              `Migrate to ${NODE_RESTRICTION_TENANT_LABEL}, which kubelets cannot set: give the tenant Karpenter or EKS Auto Mode nodes carrying it `
              + `(TenantPlacement.forTenant('${ctx.tenant}').addKarpenterNodePool), apply them first, then the tenant's manifests synthesized with that placement `
              + `(${DEDICATED_NODES_LABEL}=node-restriction; pods require the new label). For EKS managed node groups, which cannot set it, use `
              + `TenantPlacement.forTenant('${ctx.tenant}', { nodeLabel: PlacementNodeLabel.kubeletLabel() }) and apply the platform chart with its node label guard (${NODE_LABELS_POLICY_NAME}).`),
            warning: true,
          });
        }
      }
      for (const n of nodes) {
        const tainted = (n.spec?.taints ?? []).some((t: any) => t.key === TENANT_LABEL && t.value === ctx.tenant && ['NoSchedule', 'NoExecute'].includes(t.effect));
        if (!tainted) {
          out.push(finding(ctx, n, `is labelled for tenant '${ctx.tenant}' but not tainted ${TENANT_LABEL}=${ctx.tenant}:NoSchedule: other tenants' pods may land on it`,
            'Taint the node (aws.SoleTenantNodePool does).'));
        }
      }
      return out;
    },
  },
];

/** Pod specs of the workloads in the manifests, with the object each belongs to. */
function podSpecs(m: Manifests): { object: any; spec: any }[] {
  const out: { object: any; spec: any }[] = [];
  const add = (kind: string, path: (o: any) => any) => m.kind(kind).forEach(({ object }) => {
    const spec = path(object);
    if (spec && typeof spec === 'object') out.push({ object, spec });
  });
  add('Pod', (o) => o.spec);
  ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet', 'ReplicationController'].forEach((k) => add(k, (o) => o.spec?.template?.spec));
  add('CronJob', (o) => o.spec?.jobTemplate?.spec?.template?.spec);
  return out;
}

interface Workload { readonly object: any; readonly spec: any; readonly position: number }

/**
 * Workloads and nodes indexed for the placement check, once: by the tenant
 * whose taint they tolerate, by namespace, and Nodes by tenant label.
 */
function placementIndex(m: Manifests) {
  return m.memo('placement', () => {
    const tolerating = new Map<string, Workload[]>();
    const toleratingAll: Workload[] = [];
    const inNamespace = new Map<string, Workload[]>();
    podSpecs(m).forEach(({ object, spec }, position) => {
      const w = { object, spec, position };
      const tolerations: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      // Tolerating every taint (or every value of the tenant key) tolerates every tenant's.
      if (tolerations.some((t) => t?.operator === 'Exists' && (!t.key || t.key === TENANT_LABEL))) toleratingAll.push(w);
      for (const tenant of new Set(tolerations.filter((t) => t?.key === TENANT_LABEL && t.value !== undefined).map((t) => String(t.value)))) {
        push(tolerating, tenant, w);
      }
      if (typeof object.metadata?.namespace === 'string') push(inNamespace, object.metadata.namespace, w);
    });
    const nodes = new Map<string, any[]>();
    for (const { object: n } of m.kind('Node')) {
      const tenant = n.metadata?.labels?.[TENANT_LABEL] ?? n.metadata?.labels?.[NODE_RESTRICTION_TENANT_LABEL];
      if (tenant !== undefined) push(nodes, String(tenant), n);
    }
    return { tolerating, toleratingAll, inNamespace, nodes, guards: placementGuards(m) };
  });
}

/**
 * Whether the node label guard is in the manifests, bound with Deny and
 * failing closed: kubelets may then not change the tenant label on their
 * Nodes.
 */
function nodeLabelGuardBound(m: Manifests): boolean {
  const policy = m.kind('ValidatingAdmissionPolicy').find((p) => p.object.metadata?.name === NODE_LABELS_POLICY_NAME)?.object;
  const binding = m.kind('ValidatingAdmissionPolicyBinding').find((b) => b.object.spec?.policyName === NODE_LABELS_POLICY_NAME)?.object;
  return !!policy && policy.spec?.failurePolicy !== 'Ignore' && !!binding && (binding.spec?.validationActions ?? []).includes('Deny');
}

/** Workloads once each, in the order of the manifests. */
function inOrder(workloads: Workload[]): Workload[] {
  return [...new Set(workloads)].sort((a, b) => a.position - b.position);
}

