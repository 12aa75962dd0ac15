import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { addSelfServiceRoot } from './guard';
import { invalidProp } from '../core/errors';
import { HNC_GROUP, HncHierarchicalResourceQuota, HncHierarchyConfiguration } from './internal/hnc';
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
 *   onto every namespace created under it (run HNC with
 *   `--managed-namespace-label='cdk8s-tenancy\.io/.*'` and
 *   `--managed-namespace-label='pod-security\.kubernetes\.io/.*'`);
 * - a Role and RoleBinding letting the tenant's admins create and delete
 *   SubnamespaceAnchors (and read the hierarchy and its quota); HNC
 *   propagates them, so admins may nest;
 * - a `HierarchicalResourceQuota` (`tenant-tree-quota`) over the parent and
 *   everything under it.
 *
 * The platform adds, once, the `HNCConfiguration` (`config`) propagating
 * NetworkPolicies and LimitRanges (HNC always propagates Roles and
 * RoleBindings), and the self-service guard: a ValidatingAdmissionPolicy
 * holding every namespace under a parent to the parent's labels, whoever
 * writes it, HNC included.
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

    for (const ns of parents) {
      const scope = new Construct(tenant.node.findChild(ns), 'SelfService');
      const meta = (name: string) => ({ name, namespace: ns, labels: tenant.labels });
      // Read at synth, so the labels extensions add later (sandbox,
      // placement) reach the descendants too.
      const inherited = () => tenant._inheritedNamespaceLabels(ns);
      new HncHierarchyConfiguration(scope, 'Hierarchy', {
        metadata: meta('hierarchy'),
        spec: { labels: Lazy.any({ produce: () => Object.entries(inherited()).map(([key, value]) => ({ key, value })) }) },
      });
      new k8s.KubeRole(scope, 'Role', { metadata: meta('tenant-self-service'), rules: SELF_SERVICE_RULES });
      new k8s.KubeRoleBinding(scope, 'RoleBinding', {
        metadata: meta('tenant-self-service'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-self-service' },
        subjects: tenant._adminSubjects,
      });
      new HncHierarchicalResourceQuota(scope, 'Quota', { metadata: meta('tenant-tree-quota'), spec: { hard } });
      addSelfServiceRoot(tenant.platform, ns, inherited);
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
