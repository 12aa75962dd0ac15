import { SourcedObject } from './loader';
import { TENANT_LABEL } from '../../labels';
import { TREE_LABEL_SUFFIX } from '../hnc';

/** The kinds the audit reads; others are reported as unknown. */
export const KNOWN_KINDS = new Set([
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
  'ServiceAccount', 'PriorityClass', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'RuntimeClass',
  'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod', 'Service', 'ConfigMap', 'Secret', 'Ingress',
  'PersistentVolumeClaim', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'CustomResourceDefinition', 'Node', 'ReplicaSet',
  'IstioOperator', 'Istio', 'IstioRevision',
  // The placement guard and mutations of the Kyverno and Gatekeeper engines.
  'ValidatingPolicy', 'MutatingPolicy', 'ClusterPolicy', 'ConstraintTemplate', 'Cdk8sTenancyPlacement', 'Assign',
  // Self-service namespaces with HNC.
  'HierarchyConfiguration', 'HNCConfiguration', 'HierarchicalResourceQuota', 'SubnamespaceAnchor',
  // vcluster releases (the audit reads those of the vcluster chart).
  'Application', 'HelmRelease',
]);

/** Namespaces of the cluster itself, never expected to carry a tenant. */
export function isSystemNamespace(name: string): boolean {
  return name === 'default' || name.startsWith('kube-') || name === 'istio-system';
}

/** `Kind namespace/name`, the way findings name objects. */
export function ref(o: any): string {
  const ns = o?.metadata?.namespace;
  return `${o?.kind} ${ns ? `${ns}/` : ''}${o?.metadata?.name}`;
}

/**
 * The manifests, indexed the way the checks need them.
 */
export class Manifests {
  /** tenant -> its namespaces */
  public readonly tenants = new Map<string, string[]>();
  /** namespace -> its labels (with the implicit kubernetes.io/metadata.name) */
  public readonly namespaceLabels = new Map<string, Record<string, string>>();
  public readonly unlabelledNamespaces: string[] = [];
  public readonly unknownKinds: string[] = [];
  private readonly byKind = new Map<string, SourcedObject[]>();
  private readonly tenantOfNamespace = new Map<string, string>();
  /** namespace -> the tenant of the tenant namespace it descends from in HNC's tree */
  private readonly treeTenantOfNamespace = new Map<string, string>();

  constructor(objects: SourcedObject[]) {
    for (const o of objects) {
      const kind = o.object.kind;
      if (!KNOWN_KINDS.has(kind) && !this.unknownKinds.includes(`${o.object.apiVersion}/${kind}`)) {
        this.unknownKinds.push(`${o.object.apiVersion}/${kind}`);
      }
      const list = this.byKind.get(kind) ?? [];
      list.push(o);
      this.byKind.set(kind, list);
    }
    for (const { object: ns } of this.kind('Namespace')) {
      const name: string = ns.metadata?.name;
      const labels = { ...(ns.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name };
      this.namespaceLabels.set(name, labels);
      const tenant = labels[TENANT_LABEL];
      if (tenant) {
        this.tenants.set(tenant, [...(this.tenants.get(tenant) ?? []), name]);
        this.tenantOfNamespace.set(name, tenant);
      } else if (!isSystemNamespace(name)) {
        this.unlabelledNamespaces.push(name);
      }
    }
    // A namespace HNC created under a tenant's namespace (its tree label
    // names that ancestor) belongs to that tenant, labelled or not: the
    // tenant's checks then judge it, and namespace.hnc-tree its label.
    for (const [name, labels] of this.namespaceLabels) {
      const owners = new Set(Object.keys(labels)
        .filter((k) => k.endsWith(TREE_LABEL_SUFFIX) && k !== `${name}${TREE_LABEL_SUFFIX}`)
        .map((k) => this.tenantOfNamespace.get(k.slice(0, -TREE_LABEL_SUFFIX.length)))
        .filter((t): t is string => t !== undefined && t !== labels[TENANT_LABEL]));
      if (labels[TENANT_LABEL] !== undefined && owners.size === 0) continue;
      const owner = [...owners][0] ?? labels[TENANT_LABEL];
      this.treeTenantOfNamespace.set(name, owner);
      if (labels[TENANT_LABEL] === undefined && owner !== undefined) {
        this.tenants.get(owner)!.push(name);
        this.tenantOfNamespace.set(name, owner);
        this.unlabelledNamespaces.splice(this.unlabelledNamespaces.indexOf(name), 1);
      }
    }
  }

  /**
   * Namespaces under `tenant`'s namespaces in HNC's tree whose tenant label
   * is missing or another tenant's.
   */
  public misplacedDescendants(tenant: string): string[] {
    return [...this.treeTenantOfNamespace]
      .filter(([ns, t]) => t === tenant && this.namespaceLabels.get(ns)![TENANT_LABEL] !== tenant)
      .map(([ns]) => ns);
  }

  /** Every object of a kind. */
  public kind(kind: string): SourcedObject[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Every object of a kind in a namespace. */
  public inNamespace(kind: string, namespace: string): SourcedObject[] {
    return this.kind(kind).filter((o) => o.object.metadata?.namespace === namespace);
  }

  /** The tenant a namespace belongs to, if any. */
  public tenantOf(namespace: string): string | undefined {
    return this.tenantOfNamespace.get(namespace);
  }
}
