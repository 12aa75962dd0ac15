import * as ipaddr from 'ipaddr.js';
import { grants, resolveRole, subjectKey, WRITE } from './internal/rbac-grants';
import { anyDestination, beyondDns, dnsRules, egressIpBlocks, formatPorts, isolated, openToAnyTenant, Reachability } from './internal/reachability';
import { workloadsAdmitted } from './internal/workloads-admitted';
import { TENANT_BUDGET_ANNOTATION } from './tenant-quota';
import { AuditFinding } from '../audit/audit-report';
import { CheckDefinition, finding, TenantContext } from '../audit/kit/check';
import { push } from '../audit/kit/model';
import { POD_SECURITY_EXCEPTION_ANNOTATION, POD_SECURITY_LABEL_PREFIX } from '../core/labels';
import { parseQuantity } from '../core/quantity';
import { escalationVerbs, ISOLATION_RESOURCES, wildcardFields } from '../core/rbac-limits';
import { podSecurityVersionProblem } from '../core/versions';

// The audit checks of what SoftTenant emits: the namespaces' Pod Security
// labels, NetworkPolicies, quota, RBAC, and whether the workloads in them
// would be admitted (registered, in report order, in
// src/audit/internal/checks.ts).

/** The Pod Security label that decides what a namespace admits. */
const ENFORCE_LABEL = `${POD_SECURITY_LABEL_PREFIX}enforce`;

const METADATA = ['169.254.169.254/32', 'fd00:ec2::254/128'];
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

export const TENANT_AUDIT_CHECKS: CheckDefinition[] = [
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
      // The same rule SoftTenant's podSecurityVersion is held to (core/versions.ts).
      const enforceVersion = labels[`${ENFORCE_LABEL}-version`];
      const versionProblem = enforceVersion === undefined ? undefined : podSecurityVersionProblem(enforceVersion);
      if (versionProblem) {
        out.push(finding(ctx, o, `pod-security.kubernetes.io/enforce-version '${enforceVersion}' ${versionProblem}`, 'Pin pod-security.kubernetes.io/enforce-version (SoftTenant\'s podSecurityVersion).'));
      }
      return out;
    }),
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
        const wild = wildcardFields(rule);
        if (wild.length > 0) out.push(finding(ctx, binding, `binds ${role.name}, whose rules use '*' in ${wild.join(', ')}`, 'List the API groups, resources and verbs.'));
        const verbs = escalationVerbs(rule);
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
  { id: 'workloads.admitted', title: 'Workloads: every pod template would be admitted in its namespace (Pod Security, sandbox, placement, priority)', run: (ctx) => workloadsAdmitted(ctx.m, ctx.namespaces) },
  /**
   * `quota.tenant-budget`: the tenant-quota ResourceQuotas of a tenant's
   * namespaces sum, key by key, to no more than the tenant's budget (the
   * annotation SoftTenant writes on each of them). A hand edit in a GitOps
   * repository that raises one namespace's quota past its share fails here;
   * no single object shows it, and no admission guard sees all namespaces.
   * Does not apply to tenants without a budget annotation.
   */
  {
    id: 'quota.tenant-budget',
    title: "The quotas of a tenant's namespaces fit within its budget",
    run: (ctx) => {
      const quotas = ctx.namespaces.flatMap((ns) => ctx.m.inNamespace('ResourceQuota', ns).map((o) => o.object)
        .filter((q) => q?.metadata?.annotations?.[TENANT_BUDGET_ANNOTATION] !== undefined));
      if (quotas.length === 0) return undefined;
      const findings: { object: string; message: string; fix: string; source?: string }[] = [];
      const budgets = new Set(quotas.map((q) => q.metadata.annotations[TENANT_BUDGET_ANNOTATION]));
      const where = (q: any) => `ResourceQuota ${q.metadata.namespace}/${q.metadata.name}`;
      const withSource = (q: any, f: { object: string; message: string; fix: string }) => {
        const source = ctx.source(q);
        return source ? { ...f, source } : f;
      };
      if (budgets.size > 1) {
        return quotas.map((q) => withSource(q, { object: where(q), message: `carries one of ${budgets.size} different budgets of tenant '${ctx.tenant}'`, fix: 'Synthesize the tenant again: every namespace quota carries the same budget.' }));
      }
      let budget: Record<string, string>;
      try {
        budget = JSON.parse([...budgets][0]);
      } catch {
        return [withSource(quotas[0], { object: where(quotas[0]), message: `has a ${TENANT_BUDGET_ANNOTATION} annotation that is not JSON`, fix: 'Synthesize the tenant again.' })];
      }
      for (const [key, total] of Object.entries(budget)) {
        const limit = parseQuantity(String(total));
        const parts = quotas.map((q) => ({ q, value: q.spec?.hard?.[key] }));
        const uncapped = parts.filter((p) => p.value === undefined);
        for (const p of uncapped) {
          findings.push(withSource(p.q, { object: where(p.q), message: `has no ${key}, which the tenant's budget caps at ${total}`, fix: `Set ${key} within the budget.` }));
        }
        const sum = parts.reduce((s, p) => s + (p.value === undefined ? 0 : parseQuantity(String(p.value)) ?? Infinity), 0);
        if (limit !== undefined && sum > limit * (1 + 1e-12)) {
          const list = parts.filter((p) => p.value !== undefined).map((p) => `${p.q.metadata.namespace} ${p.value}`).join(', ');
          findings.push({ object: `Tenant ${ctx.tenant}`, message: `its namespaces' quotas of ${key} (${list}) exceed the tenant's budget of ${total}`, fix: "Lower a namespace's quota or raise the budget (SoftTenant budget and profiles), then synthesize again." });
        }
      }
      return findings;
    },
  },
];
