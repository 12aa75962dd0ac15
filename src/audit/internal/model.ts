import { SourcedObject } from './loader';
import { LabelSelector, selects } from './selectors';
import { TENANT_LABEL } from '../../core/labels';
import { TREE_LABEL_SUFFIX } from '../../selfservice/internal/hnc';

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
 * The manifests, indexed once the way the checks look them up (by kind, by
 * namespace, by name, namespaces by label), so that no check scans every
 * object for each tenant: the audit's cost grows with the objects, not with
 * tenants times objects.
 */
export class Manifests {
  /** tenant -> its namespaces */
  public readonly tenants = new Map<string, string[]>();
  /** namespace -> its labels (with the implicit kubernetes.io/metadata.name) */
  public readonly namespaceLabels = new Map<string, Record<string, string>>();
  public readonly unlabelledNamespaces: string[];
  public readonly unknownKinds: string[];
  private readonly byKind = new Map<string, SourcedObject[]>();
  /** kind -> namespace -> objects */
  private readonly byNamespace = new Map<string, Map<string, SourcedObject[]>>();
  /** `kind/namespace/name` -> the first object so named */
  private readonly byName = new Map<string, SourcedObject>();
  /** label key -> value -> namespaces carrying it */
  private readonly byLabel = new Map<string, Map<string, string[]>>();
  private readonly tenantOfNamespace = new Map<string, string>();
  /** tenant -> namespaces that descend from one of its namespaces in HNC's tree */
  private readonly treeDescendants = new Map<string, string[]>();
  private readonly memos = new Map<string, unknown>();

  constructor(objects: SourcedObject[]) {
    const unknown = new Set<string>();
    for (const o of objects) {
      const kind = o.object.kind;
      if (!KNOWN_KINDS.has(kind)) unknown.add(`${o.object.apiVersion}/${kind}`);
      push(this.byKind, kind, o);
      const ns = o.object.metadata?.namespace;
      if (typeof ns === 'string') {
        let inKind = this.byNamespace.get(kind);
        if (!inKind) this.byNamespace.set(kind, inKind = new Map());
        push(inKind, ns, o);
      }
      const key = `${kind}/${ns ?? ''}/${o.object.metadata?.name}`;
      if (!this.byName.has(key)) this.byName.set(key, o);
    }
    this.unknownKinds = [...unknown];
    const unlabelled = new Set<string>();
    for (const { object: ns } of this.kind('Namespace')) {
      const name: string = ns.metadata?.name;
      if (this.namespaceLabels.has(name)) continue; // the same namespace twice: the first one counts, as for byName
      const labels = { ...(ns.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name };
      this.namespaceLabels.set(name, labels);
      for (const [k, v] of Object.entries(labels)) {
        let values = this.byLabel.get(k);
        if (!values) this.byLabel.set(k, values = new Map());
        push(values, String(v), name);
      }
      const tenant = labels[TENANT_LABEL];
      if (tenant) {
        push(this.tenants, tenant, name);
        this.tenantOfNamespace.set(name, tenant);
      } else if (!isSystemNamespace(name)) {
        unlabelled.add(name);
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
      const owner = [...owners][0];
      if (owner === undefined) continue;
      push(this.treeDescendants, owner, name);
      if (labels[TENANT_LABEL] === undefined) {
        this.tenants.get(owner)!.push(name);
        this.tenantOfNamespace.set(name, owner);
        unlabelled.delete(name);
      }
    }
    this.unlabelledNamespaces = [...unlabelled];
  }

  /**
   * Namespaces under `tenant`'s namespaces in HNC's tree whose tenant label
   * is missing or another tenant's.
   */
  public misplacedDescendants(tenant: string): string[] {
    return (this.treeDescendants.get(tenant) ?? []).filter((ns) => this.namespaceLabels.get(ns)![TENANT_LABEL] !== tenant);
  }

  /** Every object of a kind. */
  public kind(kind: string): SourcedObject[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Every object of a kind in a namespace. */
  public inNamespace(kind: string, namespace: string): SourcedObject[] {
    return this.byNamespace.get(kind)?.get(namespace) ?? [];
  }

  /** The object of a kind with a name (in a namespace, for namespaced kinds). */
  public named(kind: string, name: string, namespace?: string): SourcedObject | undefined {
    return this.byName.get(`${kind}/${namespace ?? ''}/${name}`);
  }

  /**
   * A value derived from the whole manifests, computed once (the checks of
   * every tenant share it).
   */
  public memo<T>(key: string, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /** The tenant a namespace belongs to, if any. */
  public tenantOf(namespace: string): string | undefined {
    return this.tenantOfNamespace.get(namespace);
  }

  /**
   * The namespaces in the manifests a label selector selects. A selector
   * that pins a label (matchLabels, `In`, `Exists`) is looked up in the
   * label index; only one that pins nothing looks at every namespace.
   */
  public namespacesSelectedBy(selector: LabelSelector | undefined): string[] {
    let candidates: Iterable<string> | undefined;
    let size = Infinity;
    const consider = (list: string[]) => {
      if (list.length < size) {
        candidates = list;
        size = list.length;
      }
    };
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) consider(this.byLabel.get(k)?.get(String(v)) ?? []);
    for (const e of selector?.matchExpressions ?? []) {
      const values = this.byLabel.get(e.key);
      if (e.operator === 'In') consider((e.values ?? []).flatMap((v) => values?.get(v) ?? []));
      if (e.operator === 'Exists') consider([...(values?.values() ?? [])].flat());
    }
    return [...new Set(candidates ?? this.namespaceLabels.keys())].filter((ns) => selects(selector, this.namespaceLabels.get(ns)!));
  }
}

/** Appends to the list under `key`, starting it if needed. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
