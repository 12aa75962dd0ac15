import * as ipaddr from 'ipaddr.js';
import { Manifests, push, ref } from './model';
import { anyDestination, beyondDns, dnsRules, egressIpBlocks, formatPorts, isolated, openToAnyTenant, Reachability } from './network';
import { placementGuards } from './placement-guard';
import { workloadsAdmitted } from './pod-security';
import { grants, resolveRole, subjectKey, WRITE } from './rbac';
import { selects } from './selectors';
import { vclusterReleases, weakenedValues } from './vcluster';
import { CONTROL_PLANE_OF_LABEL, DEDICATED_NODES_LABEL, MANAGED_BY_LABEL, POD_SECURITY_EXCEPTION_ANNOTATION, POD_SECURITY_LABEL_PREFIX, TENANT_LABEL } from '../../core/labels';
import { podSecurityVersionProblem } from '../../core/versions';
import { PLACEMENT_POLICY_NAME } from '../../placement/internal/rules';
import { GUARDRAILS_POLICY_NAME } from '../../platform/guardrails';
import { INHERITED_FROM_LABEL, TREE_LABEL_SUFFIX } from '../../selfservice/internal/hnc';
import { ISOLATION_OBJECTS } from '../../tenant/internal/rbac';
import { AuditFinding, CheckResult, CheckStatus } from '../audit-report';

/** The Pod Security label that decides what a namespace admits. */
const ENFORCE_LABEL = `${POD_SECURITY_LABEL_PREFIX}enforce`;

/** What every tenant check gets. */
export interface TenantContext {
  readonly m: Manifests;
  readonly tenant: string;
  readonly namespaces: string[];
  readonly source: (o: any) => string | undefined;
}

interface CheckDefinition {
  readonly id: string;
  readonly title: string;
  readonly benchmark?: string;
  /** Findings, or undefined when the check does not apply. */
  run(ctx: TenantContext): AuditFinding[] | undefined;
}

/**
 * A finding on an object. A copy HNC propagated (label
 * hnc.x-k8s.io/inherited-from) is judged like any object of its namespace,
 * since it is what applies there, but the fix goes to its source: HNC
 * rewrites copies from it.
 */
const finding = (ctx: TenantContext, o: any, message: string, fix: string): AuditFinding => {
  const source = typeof o === 'object' ? ctx.source(o) : undefined;
  const from: string | undefined = typeof o === 'object' ? o?.metadata?.labels?.[INHERITED_FROM_LABEL] : undefined;
  return {
    object: typeof o === 'string' ? o : ref(o),
    message: from ? `${message} (HNC's copy of ${o.kind} ${from}/${o.metadata?.name})` : message,
    fix: from ? `Fix the source in namespace ${from}: HNC rewrites its copies. ${fix}` : fix,
    ...(source ? { source } : {}),
  };
};

const METADATA = ['169.254.169.254/32', 'fd00:ec2::254/128'];
const ISOLATION_RESOURCES: [string, string][] = ISOLATION_OBJECTS.map((o) => [o.group, o.resource]);
const REQUIRED_QUOTA: string[][] = [
  ['requests.cpu', 'cpu'], ['limits.cpu'], ['requests.memory', 'memory'], ['limits.memory'], ['requests.storage'],
  ['pods'], ['services'], ['configmaps'], ['secrets'], ['persistentvolumeclaims'], ['services.nodeports'], ['services.loadbalancers'],
];

/**
 * A namespace whose egress no NetworkPolicy restricts: every egress check
 * fails there, whatever the rules say (there are none that apply).
 */
function openEgress(ctx: TenantContext, ns: string, consequence: string): AuditFinding {
  return finding(ctx, `Namespace ${ns}`, `has open egress (no NetworkPolicy selects all its pods for Egress): ${consequence}`,
    'Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress], then allow DNS to the cluster DNS pods (SoftTenant does).');
}

/** The tenant's subjects: whoever its namespaces' RoleBindings bind, and its service accounts. */
function tenantSubjects(ctx: TenantContext): Set<string> {
  const subjects = new Set<string>();
  for (const ns of ctx.namespaces) {
    subjects.add(`Group:system:serviceaccounts:${ns}`);
    for (const { object: b } of ctx.m.inNamespace('RoleBinding', ns)) {
      for (const s of b.subjects ?? []) subjects.add(subjectKey(s, ns));
    }
  }
  return subjects;
}

/** Groups every tenant's users or service accounts belong to. */
const EVERYONE = ['Group:system:authenticated', 'Group:system:serviceaccounts', 'Group:system:unauthenticated', 'User:system:anonymous'];

/**
 * The bindings of a kind that bind a subject of the tenant (one of its
 * subjects, a group everyone is in, or a service account of its
 * namespaces), in the order of the manifests. Looked up by subject in an
 * index built once, not by scanning every binding for every tenant.
 */
function bindingsOfTenant(ctx: TenantContext, kind: 'RoleBinding' | 'ClusterRoleBinding'): any[] {
  const index = ctx.m.memo(`bindings-by-subject:${kind}`, () => {
    const bySubject = new Map<string, any[]>();
    const byServiceAccountNamespace = new Map<string, any[]>();
    const position = new Map<any, number>();
    ctx.m.kind(kind).forEach(({ object: b }, i) => {
      position.set(b, i);
      const ns = b.metadata?.namespace;
      for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
        push(bySubject, subjectKey(s, ns), b);
        if (s?.kind === 'ServiceAccount') push(byServiceAccountNamespace, s.namespace ?? ns, b);
      }
    });
    return { bySubject, byServiceAccountNamespace, position };
  });
  const found = new Set<any>();
  for (const key of [...tenantSubjects(ctx), ...EVERYONE]) index.bySubject.get(key)?.forEach((b) => found.add(b));
  for (const ns of ctx.namespaces) index.byServiceAccountNamespace.get(ns)?.forEach((b) => found.add(b));
  return [...found].sort((a, b) => index.position.get(a)! - index.position.get(b)!);
}

/** The rules tenant subjects hold in the tenant's namespaces, with the binding that grants them. */
function tenantGrants(ctx: TenantContext) {
  return ctx.namespaces.flatMap((ns) => ctx.m.inNamespace('RoleBinding', ns).map(({ object: b }) => ({ binding: b, role: resolveRole(ctx.m, b.roleRef ?? {}, ns) })));
}

export const TENANT_CHECKS: CheckDefinition[] = [
  {
    id: 'namespace.pod-security',
    title: 'Pod Security Admission enforces restricted, with a pinned version, audit and warn',
    benchmark: 'MTB-PL1-BC-CPI-5 Block privileged containers; MTB-PL1-BC-CPI-3 Block add capabilities; MTB-PL1-BC-CPI-4 Require run as non-root user; MTB-PL1-BC-CPI-6 Block privilege escalation',
    run: (ctx) => ctx.namespaces.flatMap((ns) => {
      const o = ctx.m.named('Namespace', ns)!.object;
      const labels = o.metadata?.labels ?? {};
      const exception = (o.metadata?.annotations ?? {})[POD_SECURITY_EXCEPTION_ANNOTATION];
      const out: AuditFinding[] = [];
      const enforce = labels[ENFORCE_LABEL];
      if (enforce !== 'restricted' && !(enforce && ['baseline', 'privileged'].includes(enforce) && exception)) {
        out.push(finding(ctx, o, `enforces '${enforce ?? 'nothing'}' without a recorded exception`,
          `Label the namespace pod-security.kubernetes.io/enforce=restricted, or record why in the ${POD_SECURITY_EXCEPTION_ANNOTATION} annotation (PodSecurityLevel.baseline(reason)).`));
      }
      for (const key of ['enforce-version', 'audit', 'warn']) {
        if (!labels[`pod-security.kubernetes.io/${key}`]) {
          out.push(finding(ctx, o, `has no pod-security.kubernetes.io/${key} label`, `Set pod-security.kubernetes.io/${key} (SoftTenant does).`));
        }
      }
      // The same rule SoftTenant's podSecurityVersion is held to (src/versions.ts).
      const enforceVersion = labels[`${ENFORCE_LABEL}-version`];
      const versionProblem = enforceVersion === undefined ? undefined : podSecurityVersionProblem(enforceVersion);
      if (versionProblem) {
        out.push(finding(ctx, o, `pod-security.kubernetes.io/enforce-version '${enforceVersion}' ${versionProblem}`, 'Pin pod-security.kubernetes.io/enforce-version (SoftTenant\'s podSecurityVersion).'));
      }
      return out;
    }),
  },
  {
    id: 'namespace.hnc-tree',
    title: 'Namespaces created under the tenant\'s namespaces (HNC) carry the tenant label',
    run: (ctx) => {
      const misplaced = ctx.m.misplacedDescendants(ctx.tenant);
      const descendants = ctx.namespaces.some((ns) => Object.keys(ctx.m.namespaceLabels.get(ns) ?? {}).some((k) => k.endsWith(TREE_LABEL_SUFFIX) && k !== `${ns}${TREE_LABEL_SUFFIX}`));
      if (misplaced.length === 0 && !descendants) return undefined;
      return misplaced.map((ns) => {
        const label = ctx.m.namespaceLabels.get(ns)![TENANT_LABEL];
        return finding(ctx, ctx.m.named('Namespace', ns)!.object,
          `descends from a namespace of tenant '${ctx.tenant}' in HNC's tree but ${label ? `is labelled tenant '${label}'` : 'has no tenant label'}`,
          'Propagate the parent\'s labels (TenantSelfService\'s HierarchyConfiguration, HNC run with --managed-namespace-label) and apply the platform\'s self-service guard.');
      });
    },
  },
  {
    id: 'network.default-deny',
    title: 'Every pod is isolated for ingress and egress by default',
    benchmark: 'MTB-PL1-BC-NI-1 Default deny network connections across tenants',
    run: (ctx) => ctx.namespaces.flatMap((ns) => (['Ingress', 'Egress'] as const)
      .filter((d) => !isolated(ctx.m, ns, d))
      .map((d) => finding(ctx, `Namespace ${ns}`, `no NetworkPolicy selects all pods for ${d}: pods are open ${d === 'Ingress' ? 'to' : 'towards'} every namespace`,
        'Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] (an Egress rule list without Egress in policyTypes denies nothing).'))),
  },
  {
    id: 'network.dns',
    title: 'DNS egress goes to the cluster DNS pods only (one peer ANDing namespace and pods)',
    run: (ctx) => ctx.namespaces.flatMap((ns) => {
      const out: AuditFinding[] = [];
      if (!isolated(ctx.m, ns, 'Egress')) return [openEgress(ctx, ns, 'DNS goes to any server, and every other connection too')];
      for (const r of dnsRules(ctx.m, ns)) {
        if (!r.peers || r.peers.length === 0) {
          out.push(finding(ctx, r.policy, 'allows port 53 (or every port) to every destination', 'Name the DNS pods in a single peer: namespaceSelector kube-system AND podSelector k8s-app=kube-dns.'));
          continue;
        }
        for (const peer of r.peers) {
          if (peer.ipBlock || (!peer.namespaceSelector && peer.podSelector)) continue;
          const nsSel = peer.namespaceSelector;
          const onlyNamespace = nsSel && !peer.podSelector;
          const anyNamespace = nsSel && Object.keys(nsSel.matchLabels ?? {}).length === 0 && (nsSel.matchExpressions ?? []).length === 0;
          if (onlyNamespace || anyNamespace) {
            out.push(finding(ctx, r.policy, onlyNamespace
              ? 'allows DNS to a whole namespace (a namespaceSelector without a podSelector in the same peer)'
              : 'allows DNS to pods with the DNS labels in every namespace (an empty namespaceSelector)',
            'Put namespaceSelector (kubernetes.io/metadata.name: kube-system) and podSelector (k8s-app: kube-dns) in ONE peer: two peers are ORed.'));
          }
        }
      }
      for (const { policy, peer } of beyondDns(ctx.m, ns, 'kube-system')) {
        out.push(finding(ctx, policy, `allows egress to every pod of kube-system (${peer === undefined ? 'a rule without peers' : `peer ${JSON.stringify(peer)}`}), not only the DNS pods`,
          'Reach kube-system only through the DNS peer: namespaceSelector (kubernetes.io/metadata.name: kube-system) AND podSelector (k8s-app: kube-dns) in one peer.'));
      }
      if (dnsRules(ctx.m, ns).length === 0) {
        out.push(finding(ctx, `Namespace ${ns}`, 'has no DNS egress: pods cannot resolve names', 'Allow UDP and TCP 53 to the cluster DNS pods.'));
      }
      return out;
    }),
  },
  {
    id: 'network.metadata-endpoint',
    title: 'Egress CIDRs exclude the cloud metadata endpoint',
    run: (ctx) => ctx.namespaces.flatMap((ns) => (!isolated(ctx.m, ns, 'Egress')
      ? [openEgress(ctx, ns, `pods reach the metadata endpoint ${METADATA.join(' and ')}`)]
      : [...anyDestination(ctx.m, ns).map(({ policy, ports }) => finding(ctx, policy,
        `has an egress rule without peers: it allows ${ports} to every destination, the metadata endpoint ${METADATA[0]} among them`,
        `Name the destinations (an ipBlock excepting ${METADATA.join(' and ')}, or namespace and pod selectors).`)),
      ...egressIpBlocks(ctx.m, ns).flatMap(({ policy, block }) => {
        if (!ipaddr.isValidCIDR(block.cidr ?? '')) {
          return [finding(ctx, policy, `has an ipBlock '${block.cidr}' that is not a CIDR`, 'Use a network with a prefix length, e.g. 10.0.0.0/16.')];
        }
        const [addr, bits] = ipaddr.parseCIDR(block.cidr);
        const excepted = (block.except ?? []).filter((e: string) => ipaddr.isValidCIDR(e));
        const contains = (cidr: string, ip: ipaddr.IPv4 | ipaddr.IPv6) => {
          const [net, netBits] = ipaddr.parseCIDR(cidr);
          return net.kind() === ip.kind() && ip.match(net, netBits);
        };
        return METADATA.filter((m) => {
          const [mAddr] = ipaddr.parseCIDR(m);
          return mAddr.kind() === addr.kind() && mAddr.match(addr, bits) && !excepted.some((e: string) => contains(e, mAddr));
        }).map((m) => finding(ctx, policy, `allows egress to ${block.cidr}, which contains the metadata endpoint ${m}`, `Add ${m} to the ipBlock's except list.`));
      })])),
  },
  {
    id: 'quota.namespace',
    title: 'Every namespace has a ResourceQuota on compute, storage and object counts',
    benchmark: 'MTB-PL1-CC-FNS-1 Configure namespace resource quotas; MTB-PL1-CC-FNS-2 Configure namespace object limits',
    run: (ctx) => ctx.namespaces.flatMap((ns) => {
      const quotas = ctx.m.inNamespace('ResourceQuota', ns).map((o) => o.object).filter((q) => !q.spec?.scopeSelector && !q.spec?.scopes);
      const keys = new Set(quotas.flatMap((q) => Object.keys(q.spec?.hard ?? {})));
      const missing = REQUIRED_QUOTA.filter((alternatives) => !alternatives.some((k) => keys.has(k))).map((a) => a[0]);
      return missing.length === 0 ? [] : [finding(ctx, `Namespace ${ns}`, `has no quota on ${missing.join(', ')}`, 'Add them to the namespace ResourceQuota (SoftTenant quota prop).')];
    }),
  },
  {
    id: 'quota.nodeports',
    title: 'NodePort services are blocked',
    benchmark: 'MTB-PL1-BC-HI-1 Block use of NodePort services',
    run: (ctx) => ctx.namespaces.flatMap((ns) => {
      const quotas = ctx.m.inNamespace('ResourceQuota', ns).map((o) => o.object).filter((q) => q.spec?.hard?.['services.nodeports'] !== undefined);
      return quotas.some((q) => String(q.spec.hard['services.nodeports']) === '0') ? []
        : [finding(ctx, `Namespace ${ns}`, 'allows NodePort services, which open a port on every node past the NetworkPolicies', "Set services.nodeports: '0' in the ResourceQuota.")];
    }),
  },
  {
    id: 'quota.limit-range',
    title: 'A LimitRange gives containers default requests and limits',
    run: (ctx) => ctx.namespaces.flatMap((ns) => {
      const ok = ctx.m.inNamespace('LimitRange', ns).some(({ object: l }) => (l.spec?.limits ?? []).some((x: any) => x.type === 'Container'
        && ['cpu', 'memory'].every((r) => x.default?.[r] !== undefined && x.defaultRequest?.[r] !== undefined)));
      return ok ? [] : [finding(ctx, `Namespace ${ns}`, 'has no LimitRange with default cpu and memory requests and limits for containers', 'Add one (SoftTenant does): pods without resources are otherwise refused by the quota.')];
    }),
  },
  {
    id: 'quota.priority-classes',
    title: 'Priority classes not given to the tenant are refused by a quota',
    run: (ctx) => ctx.namespaces.flatMap((ns) => {
      const ok = ctx.m.inNamespace('ResourceQuota', ns).some(({ object: q }) => String(q.spec?.hard?.pods) === '0'
        && (q.spec?.scopeSelector?.matchExpressions ?? []).some((e: any) => e.scopeName === 'PriorityClass' && e.operator === 'Exists'));
      return ok ? [] : [finding(ctx, `Namespace ${ns}`, 'has no quota refusing priority classes the tenant was not given', 'Add a ResourceQuota with pods: 0 scoped to PriorityClass Exists (and NotIn the allowed classes).')];
    }),
  },
  {
    id: 'rbac.cluster-scope',
    title: 'No tenant subject is bound cluster-wide',
    benchmark: 'MTB-PL1-CC-CPI-1 Block access to cluster resources',
    run: (ctx) => {
      return bindingsOfTenant(ctx, 'ClusterRoleBinding')
        .map((b) => finding(ctx, b, `binds a subject of tenant '${ctx.tenant}' to ClusterRole ${b.roleRef?.name} in every namespace`, 'Bind tenant subjects with RoleBindings in the tenant\'s namespaces only.'));
    },
  },
  {
    id: 'rbac.other-tenants',
    title: 'No tenant subject has rights in another tenant\'s namespaces',
    benchmark: 'MTB-PL1-CC-TI-2 Block access to other tenant resources',
    run: (ctx) => {
      return bindingsOfTenant(ctx, 'RoleBinding')
        .filter((b) => {
          const owner = ctx.m.tenantOf(b.metadata?.namespace);
          return owner !== undefined && owner !== ctx.tenant;
        })
        .map((b) => finding(ctx, b, `gives a subject of tenant '${ctx.tenant}' rights in tenant '${ctx.m.tenantOf(b.metadata.namespace)}'`, 'Remove the subject, or make the two tenants one.'));
    },
  },
  {
    id: 'rbac.privilege-escalation',
    title: 'Tenant roles have no wildcards, escalate, bind or impersonate, and are not aggregated',
    benchmark: 'MTB-PL2-CC-TI-1 Block role privilege escalation',
    run: (ctx) => tenantGrants(ctx).flatMap(({ binding, role }) => {
      const out: AuditFinding[] = [];
      if (role.unbounded) out.push(finding(ctx, binding, `binds ${role.name}, which ${role.unbounded}`, 'Bind a role whose rules are listed in the manifests and not aggregated.'));
      for (const rule of role.rules) {
        const wild = ['apiGroups', 'resources', 'verbs'].filter((f) => ((rule as any)[f] ?? []).includes('*'));
        if (wild.length > 0) out.push(finding(ctx, binding, `binds ${role.name}, whose rules use '*' in ${wild.join(', ')}`, 'List the API groups, resources and verbs.'));
        const verbs = ['escalate', 'bind', 'impersonate'].filter((v) => (rule.verbs ?? []).includes(v));
        if (verbs.length > 0) out.push(finding(ctx, binding, `binds ${role.name}, which grants ${verbs.join(', ')}`, 'Remove those verbs from tenant roles.'));
      }
      return out;
    }),
  },
  {
    id: 'rbac.isolation-objects',
    title: 'Tenants cannot change their NetworkPolicies, quota, LimitRanges, RBAC or namespaces',
    benchmark: 'MTB-PL1-CC-TI-1 Block modification of resource quotas; MTB-PL1-BC-CPI-2 Block modification of multi-tenancy resources',
    run: (ctx) => tenantGrants(ctx).flatMap(({ binding, role }) => ISOLATION_RESOURCES
      .filter(([group, resource]) => role.rules.some((r) => grants(r, WRITE, group, resource)))
      .map(([group, resource]) => finding(ctx, binding, `binds ${role.name}, which lets tenant subjects change ${group ? `${group}/` : ''}${resource}`,
        'Use a role without write access to isolation objects (SoftTenant\'s tenant-admin / tenant-user).'))),
  },
  {
    id: 'network.cross-tenant',
    title: 'Traffic with other tenants only where both sides declare it by name; no rule admits every namespace',
    benchmark: 'MTB-PL1-BC-NI-1 Default deny network connections across tenants',
    run: (ctx) => {
      const out: AuditFinding[] = [];
      // Rules that match any tenant's namespaces let in every tenant added
      // later, whether or not another tenant's egress reaches them today.
      for (const ns of ctx.namespaces) {
        for (const { policy, direction, peer } of openToAnyTenant(ctx.m, ns)) {
          out.push(finding(ctx, policy, `has an ${direction.toLowerCase()} rule ${peer === undefined ? 'without peers' : `with peer ${JSON.stringify(peer)}`}, which matches the namespaces of every tenant`,
            'Name peers by tenant label or namespace name (TenantPeer.tenant / TenantPeer.namespace), not by broad selectors.'));
        }
      }
      // Inbound paths only: the other tenant's check reports its own.
      const reachability = ctx.m.memo('reachability', () => new Reachability(ctx.m));
      for (const own of ctx.namespaces) {
        for (const { from: peer, reach: r } of reachability.into(own)) {
          if (r.declared) continue;
          const by = r.undeclaredBy!;
          out.push(finding(ctx, by.policy ?? `Namespace ${by.namespace}`,
            `lets tenant '${ctx.m.tenantOf(peer)}' (${peer}) reach ${own} on ${r.ports === 'all' ? 'all ports' : formatPorts(r.ports)} without naming it`,
            by.policy ? 'Select peers by tenant label or namespace name, not by broad selectors.' : 'Add a default-deny NetworkPolicy.'));
        }
      }
      return out;
    },
  },
  {
    id: 'nodes.placement',
    title: 'Dedicated nodes: taints, tolerations, affinity and admission policies agree',
    benchmark: 'Block use of other tenants\' nodes (seed 003, parts 1-3)',
    run: (ctx) => {
      const p = placementIndex(ctx.m);
      const nodes = p.nodes.get(ctx.tenant) ?? [];
      const dedicated = ctx.namespaces.filter((ns) => ctx.m.namespaceLabels.get(ns)?.[DEDICATED_NODES_LABEL] === 'true');
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
  {
    id: 'mesh.control-plane',
    title: 'Mesh: the tenant control plane discovers and injects only the tenant\'s namespaces',
    run: (ctx) => {
      const planes = ['IstioOperator', 'Istio', 'IstioRevision'].flatMap((k) => ctx.m.kind(k)).map((o) => o.object);
      if (planes.length === 0) return undefined;
      const out: AuditFinding[] = [];
      // A plane's revision and discovery selectors, wherever its kind keeps them.
      const describe = (p: any) => {
        const meshConfig = p.kind === 'IstioOperator' ? p.spec?.meshConfig : p.spec?.values?.meshConfig;
        const revision = p.kind === 'IstioOperator' ? p.spec?.revision : p.spec?.values?.revision ?? p.metadata?.name;
        return { revision, selectors: meshConfig?.discoverySelectors as any[] | undefined };
      };
      const revisions = new Set(ctx.namespaces.map((ns) => ctx.m.namespaceLabels.get(ns)?.['istio.io/rev']));
      // A tenant outside the mesh: nothing to check here (a control plane that
      // discovers its namespaces fails the check of that control plane's tenant).
      if (revisions.size === 1 && revisions.has(undefined)) return undefined;
      const revision = [...revisions][0];
      if (revisions.size !== 1 || revision === undefined) {
        out.push(finding(ctx, `Namespace ${ctx.namespaces.join(', ')}`, 'do not all carry one istio.io/rev label', 'Label every tenant namespace with the revision of the tenant\'s control plane.'));
        return out;
      }
      // The first plane of each revision, looked up once for every tenant.
      const byRevision = ctx.m.memo('mesh-planes', () => {
        const first = new Map<unknown, any>();
        for (const p of planes) if (!first.has(describe(p).revision)) first.set(describe(p).revision, p);
        return first;
      });
      const plane = byRevision.get(revision);
      if (!plane) {
        out.push(finding(ctx, `Namespace ${ctx.namespaces[0]}`, `is injected by revision '${revision}', which no control plane in the manifests has`, 'Add the tenant\'s control plane, or fix the label.'));
        return out;
      }
      const { selectors } = describe(plane);
      if (!selectors || selectors.length === 0) {
        out.push(finding(ctx, plane, 'has no discoverySelectors: its istiod sees every namespace of the cluster', 'Set meshConfig.discoverySelectors to the tenant label.'));
        return out;
      }
      for (const ns of ctx.namespaces) {
        if (!selectors.some((s) => selects(s, ctx.m.namespaceLabels.get(ns)!))) {
          out.push(finding(ctx, plane, `does not discover the tenant's namespace ${ns}`, 'Select the tenant by its tenant label.'));
        }
      }
      // The selectors are looked up in the namespace label index: a tenant's
      // control plane costs what it selects, not every namespace.
      for (const ns of [...new Set(selectors.flatMap((s) => ctx.m.namespacesSelectedBy(s)))].sort()) {
        if (!ctx.namespaces.includes(ns) && ctx.m.tenantOf(ns) !== undefined) {
          out.push(finding(ctx, plane, `discovers namespace ${ns} of tenant '${ctx.m.tenantOf(ns)}'`, 'Select by the tenant label, which tenants cannot set.'));
        }
      }
      for (const ns of ctx.m.namespacesSelectedBy({ matchLabels: { 'istio.io/rev': revision } })) {
        if (!ctx.namespaces.includes(ns) && ctx.m.tenantOf(ns) !== undefined) {
          out.push(finding(ctx, `Namespace ${ns}`, `belongs to tenant '${ctx.m.tenantOf(ns)}' but is injected by '${ctx.tenant}'s revision '${revision}'`, 'Give each tenant its own revision.'));
        }
      }
      return out;
    },
  },
  {
    id: 'vcluster.values',
    title: 'Virtual clusters install into the tenant\'s own namespace and keep the values the library locks',
    run: (ctx) => {
      const releases = ctx.m.memo('vcluster-releases', () => vclusterReleases(ctx.m))
        .filter((r) => r.owner === ctx.tenant || (r.namespace !== undefined && ctx.namespaces.includes(r.namespace)));
      if (releases.length === 0) return undefined;
      return releases.flatMap((r) => {
        const out: AuditFinding[] = [];
        const host = r.namespace === undefined ? undefined : ctx.m.tenantOf(r.namespace);
        if (host === undefined) {
          out.push(finding(ctx, r.object, `installs a virtual cluster of tenant '${ctx.tenant}' into ${r.namespace === undefined ? 'no namespace' : `namespace ${r.namespace}, which no tenant owns`}: the tenant's isolation does not bind what it syncs`,
            `Set ${r.namespaceField} to a namespace of tenant '${ctx.tenant}'.`));
        } else if (r.owner !== undefined && r.owner !== host) {
          out.push(finding(ctx, r.object, `is tenant '${r.owner}'s virtual cluster (label ${CONTROL_PLANE_OF_LABEL}) but installs into namespace ${r.namespace} of tenant '${host}'`,
            `Set ${r.namespaceField} to a namespace of tenant '${r.owner}'.`));
        }
        for (const u of r.unseen) {
          out.push(finding(ctx, r.object, `takes values from ${u}, which the manifests do not hold: they could override the locked paths`, `Inline the values in ${r.valuesField}.`));
        }
        const enforce = r.namespace === undefined ? undefined : ctx.m.namespaceLabels.get(r.namespace)?.[ENFORCE_LABEL];
        for (const p of weakenedValues(r.values, enforce ?? 'restricted', r.valuesField)) out.push(finding(ctx, r.object, `values ${p.message}`, p.fix));
        return out;
      });
    },
  },
  // Issue #16 (security branch): registered here, defined in ./pod-security.
  { id: 'workloads.admitted', title: 'Workloads: every pod template would be admitted in its namespace (Pod Security, sandbox, placement, priority)', run: (ctx) => workloadsAdmitted(ctx.m, ctx.namespaces) },
];

/** Cluster-wide checks. */
export function clusterChecks(m: Manifests, source: (o: any) => string | undefined): CheckResult[] {
  const policy = m.kind('ValidatingAdmissionPolicy').find((p) => p.object.metadata?.name === GUARDRAILS_POLICY_NAME)?.object;
  const binding = m.kind('ValidatingAdmissionPolicyBinding').find((b) => b.object.spec?.policyName === GUARDRAILS_POLICY_NAME)?.object;
  const findings: AuditFinding[] = [];
  const fix = 'Apply the platform chart (TenancyPlatform) with the tenants.';
  if (!policy) findings.push({ object: `ValidatingAdmissionPolicy ${GUARDRAILS_POLICY_NAME}`, message: 'is missing: tenants are held back by RBAC alone', fix });
  // failurePolicy defaults to Fail in admissionregistration.k8s.io/v1.
  else if (policy.spec?.failurePolicy === 'Ignore') findings.push({ object: ref(policy), message: 'does not fail closed', fix: 'Set failurePolicy: Fail.', ...(source(policy) ? { source: source(policy) } : {}) });
  if (!binding) findings.push({ object: `ValidatingAdmissionPolicyBinding for ${GUARDRAILS_POLICY_NAME}`, message: 'is missing: a policy without its binding does nothing', fix });
  else if (!(binding.spec?.validationActions ?? []).includes('Deny')) findings.push({ object: ref(binding), message: 'does not deny', fix: 'Set validationActions: [Deny].' });
  const managed = m.kind('Namespace').some((n) => n.object.metadata?.labels?.[MANAGED_BY_LABEL]);
  const status = m.tenants.size === 0 && !managed ? CheckStatus.NOT_APPLICABLE : findings.length > 0 ? CheckStatus.FAIL : CheckStatus.PASS;
  return [{
    id: 'cluster.guardrails',
    title: 'The admission guard protecting the tenancy objects is installed and bound',
    status,
    findings: status === CheckStatus.FAIL ? findings : [],
  }];
}

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
      const tenant = n.metadata?.labels?.[TENANT_LABEL];
      if (tenant !== undefined) push(nodes, String(tenant), n);
    }
    return { tolerating, toleratingAll, inNamespace, nodes, guards: placementGuards(m) };
  });
}

/** Workloads once each, in the order of the manifests. */
function inOrder(workloads: Workload[]): Workload[] {
  return [...new Set(workloads)].sort((a, b) => a.position - b.position);
}
