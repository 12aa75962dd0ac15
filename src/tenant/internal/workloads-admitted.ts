import { parsePodSecurityVersion, podSecurityViolations } from './pod-security-standards';
import { AuditFinding } from '../../audit/audit-report';
import { ref, Manifests } from '../../audit/kit/model';
import { attractionLabel, DEDICATED_NODES_LABEL, POD_SECURITY_LABEL_PREFIX, RUNTIME_CLASS_LABEL, TENANT_LABEL } from '../../core/labels';

/**
 * The audit check `workloads.admitted`: every pod template in a tenant's
 * namespaces would be admitted there — by the namespace's Pod Security
 * level and version (the Pod Security Standards, ported), by the sandbox
 * guard (the namespace's RuntimeClass), by the placement guard (the
 * tenant's toleration and required node affinity on dedicated nodes) and
 * by the priority quota (only the classes the tenant was given). A
 * workload the API server would refuse is a finding even though its
 * Deployment is accepted: its pods never start.
 */

interface Template { object: any; metadata: any; spec: any }

/** The pod templates of every workload kind, with their own metadata (annotations count). */
function templates(m: Manifests, namespace: string): Template[] {
  const out: Template[] = [];
  const add = (kind: string, path: (o: any) => any) => m.inNamespace(kind, namespace).forEach(({ object }) => {
    const t = path(object);
    if (t && typeof t === 'object' && t.spec && typeof t.spec === 'object') out.push({ object, metadata: t.metadata ?? {}, spec: t.spec });
  });
  add('Pod', (o) => o);
  ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet', 'ReplicationController'].forEach((k) => add(k, (o) => o.spec?.template));
  add('CronJob', (o) => o.spec?.jobTemplate?.spec?.template);
  return out;
}

/** The priority classes a namespace's quota lets pods use: undefined for any. */
function allowedPriorityClasses(m: Manifests, namespace: string): { allowed: string[]; refusesOthers: boolean } {
  const quotas = m.inNamespace('ResourceQuota', namespace).map((o) => o.object);
  const scoped = (q: any, op: string) => (q.spec?.scopeSelector?.matchExpressions ?? []).filter((e: any) => e.scopeName === 'PriorityClass' && e.operator === op);
  const zeroPods = (q: any) => String(q.spec?.hard?.pods) === '0';
  const allowed = quotas.filter((q) => !zeroPods(q)).flatMap((q) => scoped(q, 'In').flatMap((e: any) => e.values ?? []));
  const refusing = quotas.filter((q) => zeroPods(q) && scoped(q, 'Exists').length > 0);
  // A zero-pod quota on `Exists` (and `NotIn` the given classes) refuses every other class.
  const notIn = refusing.flatMap((q) => scoped(q, 'NotIn').flatMap((e: any) => e.values ?? []));
  return { allowed: refusing.length > 0 ? notIn : allowed, refusesOthers: refusing.length > 0 };
}

export function workloadsAdmitted(m: Manifests, namespaces: string[]): AuditFinding[] | undefined {
  const out: AuditFinding[] = [];
  let seen = 0;
  for (const ns of namespaces) {
    const labels = m.namespaceLabels.get(ns) ?? {};
    const level = labels[`${POD_SECURITY_LABEL_PREFIX}enforce`] ?? 'privileged';
    const versionLabel = labels[`${POD_SECURITY_LABEL_PREFIX}enforce-version`];
    const version = parsePodSecurityVersion(versionLabel) ?? 'latest';
    const runtimeClass = labels[RUNTIME_CLASS_LABEL];
    // The node label the placement guard makes the namespace's pods require (none: no dedicated nodes).
    const attraction = attractionLabel(labels[DEDICATED_NODES_LABEL]);
    const tenant = labels[TENANT_LABEL];
    const priority = allowedPriorityClasses(m, ns);
    for (const t of templates(m, ns)) {
      seen++;
      const why: string[] = podSecurityViolations(level, version, t).map((v) => `Pod Security ${level} (${versionLabel ?? 'latest'}) refuses it: ${v}`);
      if (runtimeClass !== undefined && t.spec.runtimeClassName !== runtimeClass) {
        why.push(`the sandbox guard refuses it: spec.runtimeClassName must be ${runtimeClass}`);
      }
      if (attraction !== undefined) {
        const tolerates = (t.spec.tolerations ?? []).some((x: any) => x.key === TENANT_LABEL && x.value === tenant);
        const terms = t.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
        const requires = Array.isArray(terms) && terms.length > 0 && terms.every((term: any) => (term.matchExpressions ?? [])
          .some((e: any) => e.key === attraction && e.operator === 'In' && JSON.stringify(e.values) === JSON.stringify([tenant])));
        if (!tolerates || !requires) why.push(`the placement guard refuses it: it must tolerate and require the dedicated nodes of tenant '${tenant}' (node label ${attraction})`);
      }
      const pc = t.spec.priorityClassName;
      if (pc !== undefined && priority.refusesOthers && !priority.allowed.includes(pc)) {
        why.push(`the priority quota refuses it: priority class '${pc}' is not one the tenant was given (${priority.allowed.join(', ') || 'none'})`);
      }
      if (why.length > 0) {
        out.push({
          object: ref(t.object),
          message: `its pods would not be admitted in namespace ${ns}: ${why.join('; ')}`,
          fix: 'Fix the pod template (for restricted: seccompProfile RuntimeDefault, capabilities drop ALL, runAsNonRoot, allowPrivilegeEscalation false), or give the tenant what it needs.',
        });
      }
    }
  }
  return seen === 0 ? undefined : out;
}
