import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { HncConfiguration, HNC_GROUP, celIsPropagatedCopy, SUBNAMESPACE_OF_ANNOTATION, TREE_LABEL_SUFFIX } from './internal/hnc';
import { NamedExpression, validatingPolicy } from '../core/admission-v1';
import { invalidProp } from '../core/errors';
import { celIsProtectedKey, celProtectedKept } from '../core/keys';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_SECURITY_LABEL_PREFIX, TENANT_LABEL } from '../core/labels';
import { notThePlatform } from '../platform/guardrails';
import type { TenancyPlatform } from '../platform/tenancy-platform';

/**
 * The name of the policy (and binding) that keeps the namespaces tenants
 * create through HNC inside their tenant (see `TenantSelfService`).
 */
export const SELF_SERVICE_POLICY_NAME = 'cdk8s-tenancy-self-service';

/**
 * The name of the policy (and binding) that admits no pod into a namespace
 * HNC created until it carries its tenant and Pod Security labels.
 */
export const SELF_SERVICE_PODS_POLICY_NAME = 'cdk8s-tenancy-self-service-pods';

/**
 * The name of the policy (and binding) that holds tenants' SubnamespaceAnchors
 * to names under their parent and off the platform's namespaces.
 */
export const SELF_SERVICE_ANCHORS_POLICY_NAME = 'cdk8s-tenancy-self-service-anchors';

/**
 * The name of the policy (and binding) that keeps a namespace of a
 * self-service tree from being given to another tenant, by anyone.
 */
export const SELF_SERVICE_TREES_POLICY_NAME = 'cdk8s-tenancy-self-service-trees';

/** The namespaces HNC never manages, as its release excludes them, with HNC's own. */
const HNC_EXCLUDED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

/** A self-service parent: its tenant and the labels its descendants carry. */
interface SelfServiceRoot {
  readonly tenant: string;
  readonly labels: () => Record<string, string>;
}

/** A parent of `tenant` whose descendants carry `labels` (read at synth). */
export interface SelfServiceParent {
  readonly namespace: string;
  readonly labels: () => Record<string, string>;
}

/**
 * Makes `parents` namespaces under which HNC creates `tenant`'s namespaces:
 * reserves the names `<parent>-*` for them (refusing any namespace declared
 * there by another tenant, before or after, or by this tenant unless it is
 * a parent too), adds, once per platform, the HNCConfiguration and the
 * self-service guards, and holds each parent's descendants to its labels.
 * `scope` and `prop` name the parents in errors. Throws before adding
 * anything.
 */
export function addSelfServiceParents(platform: TenancyPlatform, scope: IConstruct, prop: (i: number) => string,
  tenant: string, parents: SelfServiceParent[]): void {
  const names = parents.map((p) => p.namespace);
  platform._registry.addClaimRules(parents.map((parent, i) => ({
    space: 'namespace',
    reason: (name: string, owner: string) => {
      if (!name.startsWith(`${parent.namespace}-`) || (owner === tenant && names.includes(name))) return undefined;
      return `falls under the self-service namespace '${parent.namespace}' of tenant '${tenant}': HNC manages every namespace named`
        + ` '${parent.namespace}-<name>' (TenantSelfService.hncManagerArgs) and the tenant's admins create them, so the name could be taken`
        + ` first and HNC would strip its labels. Name it otherwise${owner === tenant ? `, or make it a self-service parent of '${tenant}' too` : ''}.`;
    },
    refuseExisting: (name: string, owner: string, reason: string) => invalidProp(scope, prop(i), parent.namespace,
      `would reserve the names '${parent.namespace}-*' for namespaces created under it, but namespace '${name}' (of ${owner.startsWith('mesh of ') ? owner : `tenant '${owner}'`}) ${reason}`),
  })));
  const roots = platform._registry.addGuard(SELF_SERVICE_POLICY_NAME, (chart) => {
    const made = new Map<string, SelfServiceRoot>();
    const managedLabels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
    // HNC writes namespaces (judged by the self-service guard instead),
    // its own objects' status, and copies of managed objects, but copies
    // only where HNC puts them: in a namespace below a self-service parent,
    // named `<parent>-<name>` (the names reserved for the tree: tenants'
    // anchors must be so named, and the platform declares none there but
    // other parents). Anywhere else, the label of a copy is no pass: the
    // real API server admitted HNC taking over another tenant's
    // tenant-admins RoleBinding by adding that label. By name, not by the
    // namespace's tree label: the API server gives match conditions no
    // `namespaceObject` (there it was refused HNC's real copies). A getter:
    // the parents are known at synth.
    const hnc = JSON.stringify(platform._hncUsername);
    platform._registry.exemptFromGuardrails({
      name: 'not-hnc',
      get expression() {
        const parentNames = JSON.stringify([...made.keys()].sort());
        const belowParent = `!(request.namespace in ${parentNames}) && ${parentNames}.exists(r, request.namespace.startsWith(r + '-'))`;
        return `!(request.userInfo.username == ${hnc} && (request.resource.group == ${JSON.stringify(HNC_GROUP)}`
          + " || (request.resource.group == '' && request.resource.resource == 'namespaces')"
          + ` || ((${celIsPropagatedCopy('object')} || ${celIsPropagatedCopy('oldObject')}) && ${belowParent})))`;
      },
    });
    new HncConfiguration(chart, 'hnc-config', {
      metadata: { name: 'config', labels: managedLabels },
      // Roles and RoleBindings HNC always propagates; the quota is the
      // HierarchicalResourceQuota's, not a copy per namespace.
      spec: {
        resources: [
          { group: 'networking.k8s.io', resource: 'networkpolicies', mode: 'Propagate' },
          { group: '', resource: 'limitranges', mode: 'Propagate' },
        ],
      },
    });
    const cel = Lazy.any({ produce: () => JSON.stringify(Object.fromEntries([...made].map(([ns, r]) => [ns, r.labels()]))) });
    const declared = Lazy.any({ produce: () => JSON.stringify(platform._registry.claimed('namespace')) });
    const notPlatform = notThePlatform(platform._hncUsername);
    validatingPolicy(chart, SELF_SERVICE_POLICY_NAME, managedLabels, selfServiceSpec(cel, notPlatform));
    validatingPolicy(chart, SELF_SERVICE_PODS_POLICY_NAME, managedLabels, selfServicePodsSpec());
    validatingPolicy(chart, SELF_SERVICE_ANCHORS_POLICY_NAME, managedLabels, selfServiceAnchorsSpec(declared, notPlatform));
    validatingPolicy(chart, SELF_SERVICE_TREES_POLICY_NAME, managedLabels, selfServiceTreesSpec(cel));
    return made;
  });
  for (const p of parents) roots.set(p.namespace, { tenant, labels: p.labels });
}

/**
 * The arguments HNC's manager must run with (in addition to its release's
 * own) for the self-service parents of the app of `platform`, read now: HNC
 * manages only the self-service trees (`--included-namespace-regex`, the
 * parents and the names `<parent>-*` reserved for their descendants), so it
 * never reconciles, and never strips the labels of, any other namespace;
 * and it manages exactly the labels the parents' HierarchyConfigurations
 * propagate (`--managed-namespace-label`, one key each), so it never strips
 * the parents' own managed-by label either; and it enforces the trees'
 * HierarchicalResourceQuotas (`--enable-hrq`, off by default in v1.1).
 */
export function hncManagerArgs(platform: TenancyPlatform): string[] | undefined {
  const roots = platform._registry.guard<Map<string, SelfServiceRoot>>(SELF_SERVICE_POLICY_NAME);
  if (!roots || roots.size === 0) return undefined;
  const parents = [...roots.keys()].sort();
  const keys = [...new Set([...roots.values()].flatMap((r) => Object.keys(r.labels())))].sort();
  const hncNamespace = platform._hncUsername.split(':')[2];
  return [
    // The tree's quota (the HierarchicalResourceQuota of each parent) is
    // off in HNC v1.1 unless asked for: without it HNC ignores the quota
    // and the namespaces created under a parent have none.
    '--enable-hrq',
    // HNC wraps it in ^...$ itself.
    `--included-namespace-regex=(${parents.map(goRegexQuote).join('|')})(-.+)?`,
    ...[...new Set([...HNC_EXCLUDED_NAMESPACES, hncNamespace])].map((ns) => `--excluded-namespace=${ns}`),
    ...keys.map((k) => `--managed-namespace-label=${goRegexQuote(k)}`),
  ];
}

/** `text` as a Go (RE2) regular expression matching exactly it. */
function goRegexQuote(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The self-service guard: HNC creates, labels and deletes the namespaces
 * tenants ask for with SubnamespaceAnchors; whoever writes a namespace (HNC
 * or anyone else but the platform), the result must keep it in its tenant.
 *
 * - A namespace in the tree of a self-service parent (HNC's tree label
 *   `<parent>.tree.hnc.x-k8s.io/depth`) carries exactly the parent's
 *   `cdk8s-tenancy.io/*` and Pod Security labels: same tenant, same Pod
 *   Security level, same sandbox and placement, never the managed-by label.
 * - A namespace HNC creates under a self-service parent (annotation
 *   `hnc.x-k8s.io/subnamespace-of`) carries those labels or none yet: HNC
 *   creates it bare, then sets the tree and managed labels in one update.
 * - Any other namespace keeps its protected labels as they are.
 * - Namespaces the platform manages are not deleted.
 *
 * `roots` is a CEL map literal: parent namespace -> its protected labels.
 */
function selfServiceSpec(roots: string, notPlatform: NamedExpression) {
  const managed = JSON.stringify(MANAGED_BY_LABEL);
  const exact = (r: string) => `(variables.roots[${r}].all(k, k in variables.labels && variables.labels[k] == variables.roots[${r}][k])`
    + ` && variables.labels.all(k, !${celIsProtectedKey('k')} || k in variables.roots[${r}]))`;
  const protectedLabels = 'cdk8s-tenancy.io/* and pod-security.kubernetes.io/* labels';
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const, 'UPDATE' as const, 'DELETE' as const], resources: ['namespaces'] }],
    },
    matchConditions: [notPlatform],
    variables: [
      { name: 'roots', expression: roots },
      { name: 'ns', expression: 'object != null ? object : oldObject' },
      { name: 'labels', expression: 'object != null && has(object.metadata.labels) ? object.metadata.labels : {}' },
      { name: 'oldLabels', expression: 'oldObject != null && has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}' },
      {
        name: 'parent',
        expression: `object != null && has(object.metadata.annotations) && ${JSON.stringify(SUBNAMESPACE_OF_ANNOTATION)} in object.metadata.annotations`
          + ` ? object.metadata.annotations[${JSON.stringify(SUBNAMESPACE_OF_ANNOTATION)}] : ''`,
      },
      {
        // The self-service parents this namespace descends from, by HNC's tree labels.
        name: 'ancestors',
        expression: `variables.roots.filter(r, r != variables.ns.metadata.name && r + ${JSON.stringify(TREE_LABEL_SUFFIX)} in variables.labels)`,
      },
    ],
    validations: [
      {
        expression: `variables.ancestors.all(r, ${exact('r')})`,
        messageExpression: '\'namespace \' + variables.ns.metadata.name + \' descends from the self-service namespace \' + variables.ancestors[0]'
          + ` + ': it must carry exactly the ${protectedLabels} of that namespace (same tenant, same Pod Security)'`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `size(variables.ancestors) > 0 || !(variables.parent in variables.roots) || !variables.labels.exists(k, ${celIsProtectedKey('k')}) || ${exact('variables.parent')}`,
        messageExpression: '\'namespace \' + variables.ns.metadata.name + \' is created under the self-service namespace \' + variables.parent'
          + ` + ': it must carry the ${protectedLabels} of that namespace, or none yet (HNC sets them)'`,
        reason: 'Forbidden' as const,
      },
      {
        expression: 'request.operation == \'DELETE\' || size(variables.ancestors) > 0 || variables.parent in variables.roots'
          + ` || (${celProtectedKept('oldLabels', 'labels')} && ${celProtectedKept('labels', 'oldLabels')})`,
        message: `only the platform may set, change or remove the ${protectedLabels} of a namespace outside a self-service tenant's tree`,
        reason: 'Forbidden' as const,
      },
      {
        expression: `request.operation != 'DELETE' || !(${managed} in variables.oldLabels)`,
        message: `this namespace is managed by cdk8s-tenancy (label ${MANAGED_BY_LABEL}): only the platform may delete it`,
        reason: 'Forbidden' as const,
      },
    ],
  };
}

/**
 * HNC creates a namespace bare and labels it in a second write, and copies
 * RoleBindings and NetworkPolicies in no set order: until the labels are
 * there, the namespace has no Pod Security level of its own (the cluster
 * default applies) and no tenant. No pod gets in before, whoever creates it
 * (the ReplicaSet controller included). It applies to every namespace HNC
 * created, tenant or not: run HNC's other trees with these labels too.
 */
function selfServicePodsSpec() {
  const annotations = 'namespaceObject.metadata.annotations';
  const labels = 'namespaceObject.metadata.labels';
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const], resources: ['pods'] }],
    },
    // The test is in the validation, not a matchCondition: the API server
    // evaluates matchConditions with namespaceObject null, so the condition
    // never held there and the guard never ran.
    validations: [{
      expression: `!(namespaceObject != null && has(${annotations}) && ${JSON.stringify(SUBNAMESPACE_OF_ANNOTATION)} in ${annotations})`
        + ` || (has(${labels}) && ${JSON.stringify(TENANT_LABEL)} in ${labels} && ${JSON.stringify(`${POD_SECURITY_LABEL_PREFIX}enforce`)} in ${labels})`,
      messageExpression: `'namespace ' + namespaceObject.metadata.name + ' was created by HNC and has no ${TENANT_LABEL} and Pod Security labels yet: no pods until HNC sets them'`,
      reason: 'Forbidden' as const,
    }],
  };
}

/**
 * What a tenant may name a namespace it asks HNC for (SubnamespaceAnchors
 * are created by tenants' admins, never by HNC): `<parent>-<name>`, where
 * the parent is the anchor's namespace, so that every namespace of a tree
 * carries its root's name as prefix and HNC's included-namespace regex
 * covers exactly the trees; and never a namespace the platform declares
 * for a tenant (`declared`, a CEL list literal), which would otherwise land
 * in this tree, with its admins' RoleBindings, if the anchor came first;
 * and asking HNC for none of the protected labels (`spec.labels`).
 */
function selfServiceAnchorsSpec(declared: string, notPlatform: NamedExpression) {
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [HNC_GROUP], apiVersions: ['*'], operations: ['CREATE' as const], resources: ['subnamespaceanchors'] }],
    },
    matchConditions: [notPlatform],
    variables: [{ name: 'declared', expression: declared }],
    validations: [
      {
        expression: 'object.metadata.name.startsWith(request.namespace + \'-\')',
        messageExpression: '\'namespaces created under \' + request.namespace + \' must be named \' + request.namespace + \'-<name>, not \' + object.metadata.name'
          + ' + \' (HNC manages only the names under a self-service parent)\'',
        reason: 'Forbidden' as const,
      },
      {
        expression: '!(object.metadata.name in variables.declared)',
        messageExpression: '\'namespace \' + object.metadata.name + \' is declared by the platform for a tenant: it cannot be created under \' + request.namespace',
        reason: 'Forbidden' as const,
      },
      {
        // HNC v1.1 writes an anchor's spec.labels into the new namespace's
        // HierarchyConfiguration, for it and its descendants. On the real
        // HNC the parent's value of a key wins (an anchor asking for
        // `enforce: privileged` got research's `restricted`), and a
        // protected key the parent does not set is refused on HNC's write
        // by the self-service guard, leaving the namespace unlabelled. So
        // nothing is gained by asking: refused here, where the tenant sees
        // why, and the tree's labels come from the parent's hierarchy alone.
        expression: `!has(object.spec) || ((!has(object.spec.labels) || object.spec.labels.all(l, !${celIsProtectedKey('l.key')}))`
          + ` && (!has(object.spec.annotations) || object.spec.annotations.all(a, !${celIsProtectedKey('a.key')})))`,
        message: 'a SubnamespaceAnchor may not ask HNC for cdk8s-tenancy.io/* or pod-security.kubernetes.io/* labels or annotations: the namespace carries its parent\'s',
        reason: 'Forbidden' as const,
      },
    ],
  };
}

/**
 * Nobody, the platform included, gives a namespace of a self-service tree
 * (HNC's tree label of a parent, or HNC's `hnc.x-k8s.io/subnamespace-of`
 * annotation) a tenant label other than its parent's tenant: a namespace
 * the platform declares for one tenant, if a tenant's anchor took its name
 * first, is refused rather than adopted with the other tenant's RoleBindings
 * in it. A tenant label already there may stay (deleting the namespace must
 * not be blocked).
 */
function selfServiceTreesSpec(roots: string) {
  const tenant = JSON.stringify(TENANT_LABEL);
  const annotation = JSON.stringify(SUBNAMESPACE_OF_ANNOTATION);
  return {
    failurePolicy: 'Fail' as const,
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE' as const, 'UPDATE' as const], resources: ['namespaces'] }],
    },
    variables: [
      { name: 'roots', expression: roots },
      { name: 'labels', expression: 'has(object.metadata.labels) ? object.metadata.labels : {}' },
      { name: 'oldLabels', expression: 'oldObject != null && has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}' },
      { name: 'tenant', expression: `${tenant} in variables.labels ? variables.labels[${tenant}] : ''` },
      {
        name: 'parent',
        expression: `has(object.metadata.annotations) && ${annotation} in object.metadata.annotations ? object.metadata.annotations[${annotation}] : ''`,
      },
      {
        // The self-service parents it is in: by HNC's tree labels (itself
        // included), or the parent HNC created it under.
        name: 'trees',
        expression: `variables.roots.filter(r, r + ${JSON.stringify(TREE_LABEL_SUFFIX)} in variables.labels || r == variables.parent)`,
      },
    ],
    validations: [{
      expression: 'variables.tenant == \'\' || (' + tenant + ' in variables.oldLabels && variables.oldLabels[' + tenant + '] == variables.tenant)'
        + ' || (variables.parent == \'\' && size(variables.trees) == 0)'
        + ` || (size(variables.trees) > 0 && variables.trees.all(r, ${tenant} in variables.roots[r] && variables.roots[r][${tenant}] == variables.tenant))`,
      messageExpression: '\'namespace \' + object.metadata.name + \' is in a self-service tree (\''
        + ' + (size(variables.trees) > 0 ? variables.trees[0] : variables.parent)'
        + ` + '): no one may label it ${TENANT_LABEL}=' + variables.tenant + ', the platform included; delete it and its anchor first'`,
      reason: 'Forbidden' as const,
    }],
  };
}
