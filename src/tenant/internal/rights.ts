import { IConstruct } from 'constructs';
import { RbacRule } from './rbac';
import { invalidProp } from '../../core/errors';
import { isDnsSubdomain } from '../../core/names';
import { escalationVerbs, isolationWrites, WRITE_VERBS, wildcardFields } from '../../core/rbac-limits';

/**
 * Built-in cluster-scoped resources: a RoleBinding in a tenant's namespace
 * never grants them, so a rule naming them is a mistake that reads like a
 * grant (and the security invariants list them as never the tenant's).
 */
const CLUSTER_SCOPED: [string, string][] = [
  ['', 'nodes'], ['', 'persistentvolumes'], ['', 'namespaces'], ['', 'componentstatuses'],
  ['apiextensions.k8s.io', 'customresourcedefinitions'], ['apiregistration.k8s.io', 'apiservices'],
  ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
  ['admissionregistration.k8s.io', 'validatingwebhookconfigurations'], ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
  ['admissionregistration.k8s.io', 'validatingadmissionpolicies'], ['admissionregistration.k8s.io', 'validatingadmissionpolicybindings'],
  ['admissionregistration.k8s.io', 'mutatingadmissionpolicies'], ['admissionregistration.k8s.io', 'mutatingadmissionpolicybindings'],
  ['storage.k8s.io', 'storageclasses'], ['storage.k8s.io', 'csidrivers'], ['storage.k8s.io', 'csinodes'], ['storage.k8s.io', 'volumeattachments'],
  ['scheduling.k8s.io', 'priorityclasses'], ['node.k8s.io', 'runtimeclasses'], ['networking.k8s.io', 'ingressclasses'],
  ['certificates.k8s.io', 'certificatesigningrequests'], ['authentication.k8s.io', 'tokenreviews'],
  ['authorization.k8s.io', 'subjectaccessreviews'], ['flowcontrol.apiserver.k8s.io', 'flowschemas'],
  ['flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations'], ['gateway.networking.k8s.io', 'gatewayclasses'],
];

/**
 * Resources tenants may read but never write, beyond the isolation objects:
 * Endpoints and EndpointSlices (CVE-2021-25740: a tenant that writes them
 * points a Service, and whatever routes through it, at another tenant's
 * pods or the control plane; upstream `edit` dropped them in 1.22).
 */
const READ_ONLY: [string, string][] = [['', 'endpoints'], ['discovery.k8s.io', 'endpointslices']];

/** Built-in ClusterRoles: aggregated (`admin`, `edit`, `view`) or all-powerful; never a tenant's extra role. */
const BUILT_IN_ROLES = ['cluster-admin', 'admin', 'edit', 'view'];

const VERB = /^[a-z][a-zA-Z]*$/;
const RESOURCE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(\/[a-z0-9]+)?$/;

/** Rights a tenant's members get on top of the library's roles, checked and ready to write.*/
export interface RenderedRights {
  /** Rules added to the `tenant-admin` Role. */
  readonly adminRules: RbacRule[];
  /** Rules added to the `tenant-user` Role. */
  readonly userRules: RbacRule[];
  /** Library-written ClusterRoles bound in the tenant's namespaces. */
  readonly clusterRoles: { name: string; rules: RbacRule[]; audience: 'admins' | 'members' }[];
}


export function checkClusterRoleName(scope: IConstruct, prop: string, name: string): void {
  // The RoleBinding is named `tenant-members-<name>`: it must fit too.
  if (!isDnsSubdomain(name, 253 - 'tenant-members-'.length)) {
    throw invalidProp(scope, prop, name, `must be a DNS-1123 subdomain of at most ${253 - 'tenant-members-'.length} characters (e.g. 'cert-manager-tenant').`);
  }
  if (BUILT_IN_ROLES.includes(name)) {
    throw invalidProp(scope, prop, name, `is a built-in ClusterRole (${BUILT_IN_ROLES.join(', ')}): it holds wildcards or aggregates whatever a CRD adds to it, which the audit flags (rbac.privilege-escalation).`,
      'Name a ClusterRole of your own and list its rules; the library writes it.');
  }
}

export function checkRule(scope: IConstruct, prop: string, rule: RbacRule): RbacRule {
  const list = (field: keyof RbacRule, what: string): string[] => {
    const values = rule?.[field];
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) {
      throw invalidProp(scope, `${prop}.${field}`, values, `must list at least one ${what}.`);
    }
    return values;
  };
  const wild = wildcardFields(rule ?? {});
  if (wild.length > 0) {
    throw invalidProp(scope, prop, rule, `uses '*' in ${wild.join(', ')}, which the audit flags (rbac.privilege-escalation): a wildcard grants whatever the cluster adds later.`,
      'List the API groups, resources and verbs.');
  }
  const apiGroups = list('apiGroups', 'API group');
  const resources = list('resources', 'resource');
  const verbs = list('verbs', 'verb');
  apiGroups.forEach((g, i) => {
    if (g !== '' && !isDnsSubdomain(g)) throw invalidProp(scope, `${prop}.apiGroups[${i}]`, g, "must be an API group ('' for the core group, or a DNS subdomain such as 'cert-manager.io').");
  });
  resources.forEach((r, i) => {
    if (!RESOURCE.test(r)) throw invalidProp(scope, `${prop}.resources[${i}]`, r, "must be a resource in lower-case plural, optionally with a subresource ('certificates', 'pods/log').");
  });
  verbs.forEach((v, i) => {
    if (!VERB.test(v)) throw invalidProp(scope, `${prop}.verbs[${i}]`, v, "must be a verb such as 'get', 'list', 'watch', 'create', 'update', 'patch', 'delete'.");
  });
  const escalation = escalationVerbs(rule);
  if (escalation.length > 0) {
    throw invalidProp(scope, prop, rule, `grants ${escalation.join(', ')}, which lets a tenant raise its own rights; the audit flags it (rbac.privilege-escalation).`,
      'Remove those verbs.');
  }
  // Subresources of an isolation object (resourcequotas/status) change it too.
  const base = { ...rule, resources: resources.map((r) => r.split('/')[0]) };
  const isolation = isolationWrites(base);
  if (isolation.length > 0) {
    throw invalidProp(scope, prop, rule, `lets tenant subjects change ${isolation.map(([g, r]) => (g ? `${g}/${r}` : r)).join(', ')}, the objects that hold the tenant in; the audit flags it (rbac.isolation-objects).`,
      'Grant read verbs (get, list, watch) only on those.');
  }
  const readOnly = READ_ONLY.filter(([g, r]) => apiGroups.includes(g) && base.resources.includes(r) && verbs.some((v) => WRITE_VERBS.includes(v)));
  if (readOnly.length > 0) {
    throw invalidProp(scope, prop, rule, `lets tenant subjects write ${readOnly.map(([g, r]) => (g ? `${g}/${r}` : r)).join(', ')} (CVE-2021-25740: a Service then routes to another tenant's pods or the control plane).`,
      'Grant read verbs only on those.');
  }
  const clusterScoped = CLUSTER_SCOPED.filter(([g, r]) => apiGroups.includes(g) && base.resources.includes(r));
  if (clusterScoped.length > 0) {
    throw invalidProp(scope, prop, rule, `names cluster-scoped ${clusterScoped.map(([g, r]) => (g ? `${g}/${r}` : r)).join(', ')}: tenants get rights in their namespaces only (a RoleBinding never grants cluster-scoped objects).`,
      'Leave cluster-scoped objects to the platform.');
  }
  return { apiGroups: [...apiGroups], resources: [...resources], verbs: [...verbs] };
}
