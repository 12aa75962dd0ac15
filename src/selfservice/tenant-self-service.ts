import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { addSelfServiceParents, hncManagerArgs } from './guard';
import { invalidProp } from '../core/errors';
import { HNC_GROUP, HncHierarchicalResourceQuota, HncHierarchyConfiguration } from './internal/hnc';
import { TenancyPlatform } from '../platform/tenancy-platform';
import { renderQuotaHard } from '../tenant/internal/quota';
import { RbacRule } from '../tenant/internal/rbac';
import { ITenantExtension, SoftTenant } from '../tenant/soft-tenant';
import { TenantQuotaOptions } from '../tenant/tenant-quota';

/**
 * Options for self-service namespaces with HNC.
 */
export interface TenantSelfServiceHncOptions {
  /**
   * The tenant's namespaces under which its admins may create namespaces.
   *
   * @default - every namespace of the tenant
   */
  readonly parents?: string[];

  /**
   * The quota of each parent namespace and all the namespaces created under
   * it, together (a HierarchicalResourceQuota). The namespaces created under
   * a parent get no ResourceQuota of their own: this is their only quota.
   *
   * @default - the defaults of each TenantQuotaOptions field, shared by the whole tree
   */
  readonly quota?: TenantQuotaOptions;

  /**
   * How many namespaces the tenant's admins may create under each parent
   * (SubnamespaceAnchors in the tree, counted by the quota).
   *
   * @default 10
   */
  readonly maxNamespaces?: number;
}

/**
 * Lets a tenant's admins create namespaces themselves with the Hierarchical
 * Namespace Controller (HNC v1.1, which the platform installs), and keeps
 * those namespaces inside the tenant.
 *
 * For each parent namespace it emits:
 * - the `HierarchyConfiguration` (`hierarchy`) whose managed labels are the
 *   parent's `cdk8s-tenancy.io/*` and Pod Security labels: HNC copies them
 *   onto every namespace created under it (run HNC with the arguments
 *   `TenantSelfService.hncManagerArgs` returns);
 * - a Role and RoleBinding letting the tenant's admins create and delete
 *   SubnamespaceAnchors (and read the hierarchy and its quota); HNC
 *   propagates them, so admins may nest;
 * - a `HierarchicalResourceQuota` (`tenant-tree-quota`) over the parent and
 *   everything under it.
 *
 * The platform adds, once, the `HNCConfiguration` (`config`) propagating
 * NetworkPolicies and LimitRanges (HNC always propagates Roles and
 * RoleBindings), and the self-service guards: ValidatingAdmissionPolicies
 * holding every namespace under a parent to the parent's labels, whoever
 * writes it, HNC included (HNC is never the platform, whatever its RBAC);
 * tenants' anchors to names `<parent>-<name>` that the platform does not
 * declare; and every namespace of a tree to its tenant, against the
 * platform too. The names `<parent>-*` are reserved: a namespace declared
 * there by another tenant (or by this one, unless it is a parent too) is
 * refused at synth.
 *
 * @example
 * import { SoftTenant, TenantSelfService } from 'cdk8s-tenancy';
 *
 * declare const tenant: SoftTenant;
 * tenant.addExtension(TenantSelfService.hnc({ maxNamespaces: 5 }));
 */
export class TenantSelfService implements ITenantExtension {
  /**
   * Self-service namespaces with the Hierarchical Namespace Controller.
   */
  public static hnc(options: TenantSelfServiceHncOptions = {}): TenantSelfService {
    return new TenantSelfService(options);
  }

  /**
   * The arguments to add to HNC's manager (the `manager` container of its
   * release's `hnc-controller-manager` Deployment) for the self-service
   * parents of `scope`'s app, as they stand when called: call it once every
   * tenant and extension is declared.
   *
   * They are of four kinds:
   *
   * - `--enable-hrq`: HNC v1.1 enforces HierarchicalResourceQuotas only
   *   when asked (its release's default manifests do not), and the tree's
   *   quota is one.
   * - `--included-namespace-regex`: HNC manages only the self-service
   *   parents and the names `<parent>-*` reserved for what is created
   *   under them (a tenant's anchors must be named so, and no other
   *   namespace may be), so it never reconciles — and never strips the
   *   labels of — any other namespace.
   * - `--excluded-namespace`: the release's own (`kube-system`,
   *   `kube-public`, `kube-node-lease`) and HNC's namespace (from
   *   `hncUsername`).
   * - `--managed-namespace-label`: one per label the parents'
   *   HierarchyConfigurations propagate, exactly (never the managed-by
   *   label, which HNC would strip from the parents themselves).
   */
  public static hncManagerArgs(scope: IConstruct): string[] {
    // Found, not created: asking creates nothing.
    const platform = scope.node.root.node.children.find((c) => TenancyPlatform._isPlatform(c)) as TenancyPlatform | undefined;
    const args = platform && hncManagerArgs(platform);
    if (!args) {
      throw invalidProp(scope, 'scope', scope.node.path || '<root>', 'has no tenant with TenantSelfService in its app: HNC has nothing to manage.',
        'Call it after adding TenantSelfService to the tenants.');
    }
    return args;
  }

  /**
   * The kind of extension: a tenant has at most one self-service.
   */
  public readonly extensionKind = 'self-service';

  private constructor(private readonly options: TenantSelfServiceHncOptions) {}

  /**
   * Adds the hierarchy, the admins' rights, the quota and the platform's
   * guard to `tenant`.
   */
  public applyToTenant(tenant: SoftTenant): void {
    // Everything is checked before the first object is created.
    const parents = this.options.parents ?? tenant.namespaces;
    if (parents.length === 0) {
      throw invalidProp(tenant, 'selfService parents', parents, 'must name at least one of the tenant\'s namespaces.', 'Leave it out to use all of them.');
    }
    parents.forEach((ns, i) => {
      if (!tenant.namespaces.includes(ns)) {
        throw invalidProp(tenant, `selfService parents[${i}]`, ns, `is not a namespace of tenant '${tenant.name}' (${tenant.namespaces.join(', ')}).`);
      }
      if (parents.indexOf(ns) !== i) throw invalidProp(tenant, `selfService parents[${i}]`, ns, 'is listed twice.');
    });
    if (tenant._adminSubjects.length === 0) {
      throw invalidProp(tenant, 'selfService', 'hnc', 'needs tenant admins: only admins may create namespaces, and the tenant has none.', 'Set admins on the SoftTenant.');
    }
    const maxNamespaces = this.options.maxNamespaces ?? 10;
    if (!Number.isInteger(maxNamespaces) || maxNamespaces < 1) {
      throw invalidProp(tenant, 'selfService maxNamespaces', maxNamespaces, 'must be a whole number of 1 or more.', 'Leave self-service out to let admins create no namespace.');
    }
    const hard: Record<string, string> = {
      ...renderQuotaHard(tenant, this.options.quota ?? {}),
      [`count/subnamespaceanchors.${HNC_GROUP}`]: String(maxNamespaces),
    };

    // Read at synth, so the labels extensions add later (sandbox,
    // placement) reach the descendants too.
    const inherited = (ns: string) => () => tenant._inheritedNamespaceLabels(ns);
    // The last check (names reserved under each parent) and the guard, before any object.
    addSelfServiceParents(tenant.platform, tenant, (i) => this.options.parents ? `selfService parents[${i}]` : `selfService parent (namespaces[${i}])`,
      tenant.name, parents.map((ns) => ({ namespace: ns, labels: inherited(ns) })));

    for (const ns of parents) {
      const scope = new Construct(tenant.node.findChild(ns), 'SelfService');
      const meta = (name: string) => ({ name, namespace: ns, labels: tenant.labels });
      new HncHierarchyConfiguration(scope, 'Hierarchy', {
        metadata: meta('hierarchy'),
        spec: { labels: Lazy.any({ produce: () => Object.entries(inherited(ns)()).map(([key, value]) => ({ key, value })) }) },
      });
      new k8s.KubeRole(scope, 'Role', { metadata: meta('tenant-self-service'), rules: SELF_SERVICE_RULES });
      new k8s.KubeRoleBinding(scope, 'RoleBinding', {
        metadata: meta('tenant-self-service'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-self-service' },
        subjects: tenant._adminSubjects,
      });
      new HncHierarchicalResourceQuota(scope, 'Quota', { metadata: meta('tenant-tree-quota'), spec: { hard } });
    }
  }
}

const READ = ['get', 'list', 'watch'];

/**
 * Admins create and delete namespaces through anchors only; the hierarchy
 * and the quota they may read, never change (a parent set by a tenant could
 * move a namespace out of its tree).
 */
const SELF_SERVICE_RULES: RbacRule[] = [
  { apiGroups: [HNC_GROUP], resources: ['subnamespaceanchors'], verbs: [...READ, 'create', 'delete'] },
  { apiGroups: [HNC_GROUP], resources: ['hierarchyconfigurations', 'hierarchicalresourcequotas'], verbs: READ },
];
