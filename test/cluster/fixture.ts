import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { describeResult, Identity, KubeClient, Result } from './client';
import { ClusterEnv, kubeMinor, RunningCluster, startCluster } from './harness';
import { CRD_FOLDERS, SHARED } from '../helpers/crd-schema';
import { K8sObject } from '../helpers/manifests';

/*
 * What a test file of the cluster tier starts from: a fresh control plane
 * of its own (examples must not see each other's cluster-wide policies),
 * the cluster-side pieces a real cluster has (an Argo CD application
 * controller bound to cluster-admin, as Argo CD's install does), the CRDs
 * the objects under test need, and helpers to apply objects as the GitOps
 * controller does.
 */

/** The Argo CD application controller, bound to cluster-admin by Argo CD's own install. */
export const ARGOCD: Identity = {
  username: 'system:serviceaccount:argocd:argocd-application-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd', 'system:authenticated'],
};

/**
 * The cluster-side RBAC of the identities the cases impersonate, for the
 * RBAC model (the API server has its own): Argo CD's application controller
 * bound to cluster-admin as its install binds it (useCluster binds it on the
 * server too), and the bootstrap roles of the kube-controller-manager
 * controllers that create and delete tenants' objects, trimmed to the rules
 * the cases touch.
 */
export const BOOTSTRAP_RBAC: K8sObject[] = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'argocd-application-controller' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'argocd-application-controller', namespace: 'argocd' }],
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:controller:namespace-controller' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['delete', 'deletecollection', 'get', 'list'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:controller:replicaset-controller' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'list', 'patch', 'watch'] }] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:controller:statefulset-controller' }, rules: [{ apiGroups: [''], resources: ['pods', 'persistentvolumeclaims'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }] },
  ...['namespace-controller', 'replicaset-controller', 'statefulset-controller'].map((c) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `system:controller:${c}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `system:controller:${c}` },
    subjects: [{ kind: 'ServiceAccount', name: c, namespace: 'kube-system' }],
  })),
] as any;

/** A service account's identity, with the groups the API server gives it. */
export function serviceAccount(namespace: string, name: string): Identity {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

/** A person (OIDC user) in groups. */
export function user(username: string, ...groups: string[]): Identity {
  return { username, groups: [...groups, 'system:authenticated'] };
}

const REPO = path.join(__dirname, '..', '..');

export interface Cluster {
  readonly env: ClusterEnv;
  readonly client: KubeClient;
  readonly minor: string;
}

/**
 * Starts a control plane for this test file (beforeAll) and stops it
 * (afterAll). Logs are kept in .ci/tmp/cluster/<minor>/<name>/.
 */
export function useCluster(name: string): () => Cluster {
  let running: RunningCluster | undefined;
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    const bin = process.env.CLUSTER_TESTENV_BIN;
    if (!bin) throw new Error('CLUSTER_TESTENV_BIN is not set: run the cluster tier through its jest config (npx projen test:cluster)');
    const minor = kubeMinor();
    running = await startCluster(bin, path.join(REPO, '.ci', 'tmp', 'cluster', minor, name));
    // The cluster is of the minor the run is for (go.mod or go-1.32.mod, not a mix-up).
    if (!running.env.version.startsWith(`v${minor}.`)) throw new Error(`testenv runs Kubernetes ${running.env.version}, the run is for ${minor}`);
    const client = new KubeClient(running.env);
    cluster = { env: running.env, client, minor };
    await bindArgoCd(client);
  }, 300_000);
  afterAll(async () => {
    cluster?.client.close();
    await running?.stop();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('the cluster did not start (see beforeAll)');
    return cluster;
  };
}

async function bindArgoCd(client: KubeClient): Promise<void> {
  await client.must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'argocd-application-controller' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'argocd-application-controller', namespace: 'argocd' }],
  });
}

/** Every upstream CRD of ../shared/schemas, by `group/kind`. */
function sharedCrds(): Map<string, any> {
  const out = new Map<string, any>();
  for (const folder of CRD_FOLDERS) {
    const dir = path.join(SHARED, 'schemas', folder);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJSON();
        if (crd?.kind === 'CustomResourceDefinition') out.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd);
      }
    }
  }
  return out;
}

/**
 * Kinds with no CRD in ../shared/schemas (Argo CD, Flux, Karpenter, Istio's
 * operator API, Kyverno's kyverno.io/v1): a minimal CRD that keeps every
 * field (x-kubernetes-preserve-unknown-fields), so the API server stores
 * them as a cluster with the controller installed would, and their field
 * schemas stay checked by the kubernetes-models packages of the unit tests.
 */
const MINIMAL_CRDS: Record<string, { plural: string; scope: 'Namespaced' | 'Cluster' }> = {
  'argoproj.io/Application': { plural: 'applications', scope: 'Namespaced' },
  'argoproj.io/ApplicationSet': { plural: 'applicationsets', scope: 'Namespaced' },
  'argoproj.io/AppProject': { plural: 'appprojects', scope: 'Namespaced' },
  'kustomize.toolkit.fluxcd.io/Kustomization': { plural: 'kustomizations', scope: 'Namespaced' },
  'helm.toolkit.fluxcd.io/HelmRelease': { plural: 'helmreleases', scope: 'Namespaced' },
  'source.toolkit.fluxcd.io/HelmRepository': { plural: 'helmrepositories', scope: 'Namespaced' },
  'source.toolkit.fluxcd.io/GitRepository': { plural: 'gitrepositories', scope: 'Namespaced' },
  'source.toolkit.fluxcd.io/OCIRepository': { plural: 'ocirepositories', scope: 'Namespaced' },
  'karpenter.sh/NodePool': { plural: 'nodepools', scope: 'Cluster' },
  'karpenter.k8s.aws/EC2NodeClass': { plural: 'ec2nodeclasses', scope: 'Cluster' },
  'install.istio.io/IstioOperator': { plural: 'istiooperators', scope: 'Namespaced' },
  // Istio's own API (istiod's CRDs; the Sail operator's in ../shared/schemas are only its install API).
  'security.istio.io/PeerAuthentication': { plural: 'peerauthentications', scope: 'Namespaced' },
  'security.istio.io/AuthorizationPolicy': { plural: 'authorizationpolicies', scope: 'Namespaced' },
  'networking.istio.io/Sidecar': { plural: 'sidecars', scope: 'Namespaced' },
  'kyverno.io/ClusterPolicy': { plural: 'clusterpolicies', scope: 'Cluster' },
  'kyverno.io/Policy': { plural: 'policies', scope: 'Namespaced' },
};

function minimalCrd(group: string, kind: string, versions: string[]): any {
  const known = MINIMAL_CRDS[`${group}/${kind}`];
  if (!known) throw new Error(`no CRD for ${group} ${kind}: add it to MINIMAL_CRDS in test/cluster/fixture.ts, or its upstream CRD to ../shared/schemas`);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${known.plural}.${group}` },
    spec: {
      group,
      scope: known.scope,
      names: { kind, plural: known.plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      })),
    },
  };
}

/**
 * Gatekeeper creates a CRD per ConstraintTemplate; without Gatekeeper
 * running, the same shape is made here: constraints.gatekeeper.sh,
 * the template's kind, parameters as the template declares them.
 */
function constraintCrd(template: K8sObject): any {
  const kind = template.spec.crd.spec.names.kind;
  const parameters = template.spec.crd.spec.validation?.openAPIV3Schema ?? { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const spec = {
    type: 'object',
    properties: {
      enforcementAction: { type: 'string' },
      match: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
      parameters,
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.toLowerCase()}.constraints.gatekeeper.sh` },
    spec: {
      group: 'constraints.gatekeeper.sh',
      scope: 'Cluster',
      names: { kind, plural: kind.toLowerCase(), singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: ['v1beta1', 'v1'].map((name, i) => ({ name, served: true, storage: i === 0, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } })),
    },
  };
}

const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'policy', 'scheduling.k8s.io', 'node.k8s.io',
  'admissionregistration.k8s.io', 'storage.k8s.io', 'coordination.k8s.io', 'autoscaling', 'apiextensions.k8s.io', 'certificates.k8s.io', 'discovery.k8s.io']);

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/**
 * The `group/kind`s of `objects` that installCrds has no CRD for (neither
 * upstream in ../shared/schemas, nor minimal, nor a constraint of a
 * ConstraintTemplate among `objects`), with how many objects each.
 */
export function kindsWithoutCrd(objects: K8sObject[]): Map<string, number> {
  const shared = sharedCrds();
  const out = new Map<string, number>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    if (BUILT_IN_GROUPS.has(group)) continue;
    const key = `${group}/${o.kind}`;
    const known = shared.has(key) || key in MINIMAL_CRDS
      || (group === 'constraints.gatekeeper.sh' && objects.some((t) => t.kind === 'ConstraintTemplate' && t.spec?.crd?.spec?.names?.kind === o.kind));
    if (!known) out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** The CRDs `objects` need (upstream ones from ../shared/schemas where there are any), installed and established. */
export async function installCrds(client: KubeClient, objects: K8sObject[]): Promise<string[]> {
  const shared = sharedCrds();
  const needed = new Map<string, Set<string>>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    if (BUILT_IN_GROUPS.has(group)) continue;
    const key = `${group}/${o.kind}`;
    if (!needed.has(key)) needed.set(key, new Set());
    needed.get(key)!.add(o.apiVersion.split('/')[1]);
  }
  const crds: any[] = [];
  for (const [key, versions] of needed) {
    const [group, kind] = key.split('/');
    if (shared.has(key)) {crds.push(shared.get(key));} else if (group === 'constraints.gatekeeper.sh') {
      const template = objects.find((o) => o.kind === 'ConstraintTemplate' && o.spec.crd.spec.names.kind === kind);
      if (!template) throw new Error(`a ${kind} constraint without its ConstraintTemplate`);
      crds.push(constraintCrd(template));
    } else {crds.push(minimalCrd(group, kind, [...versions]));}
  }
  for (const crd of crds) {
    const r = await client.apply(crd, { fieldManager: 'cluster-setup' });
    if (!r.ok) throw new Error(`installing CRD ${crd.metadata.name}: ${describeResult(r)}`);
  }
  for (const crd of crds) {
    await client.waitFor(`CRD ${crd.metadata.name} to be established`, async () => {
      const live = await client.get(crd);
      return live?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  client.forgetDiscovery();
  return crds.map((c) => c.metadata.name).sort();
}

/** Namespaces the platform's controllers are installed into (their own install creates them, not the library). */
const CONTROLLER_NAMESPACES = ['argocd', 'flux-system', 'hnc-system', 'istio-system', 'sail-operator', 'kyverno', 'gatekeeper-system', 'karpenter'];

/**
 * Creates the controllers' own namespaces that `objects` put objects into
 * without declaring them (an Argo CD Application lives in `argocd`), as
 * those controllers' installs would. Any other missing namespace is left
 * missing: applying into it fails, as it would on a cluster.
 */
export async function installControllerNamespaces(client: KubeClient, objects: K8sObject[]): Promise<string[]> {
  const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const wanted = [...new Set(objects.map((o) => o.metadata.namespace)
    .filter((n): n is string => !!n && !declared.has(n) && CONTROLLER_NAMESPACES.includes(n)))];
  for (const name of wanted) {
    const r = await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'cluster-setup' });
    if (!r.ok) throw new Error(`creating namespace ${name}: ${describeResult(r)}`);
  }
  return wanted.sort();
}

/** The order a GitOps controller applies in (Argo CD's sync order): namespaces and cluster-wide policy first. */
const APPLY_ORDER = ['CustomResourceDefinition', 'Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'PriorityClass', 'RuntimeClass',
  'ResourceQuota', 'LimitRange', 'ServiceAccount', 'ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding', 'NetworkPolicy', 'ConstraintTemplate'];

export function applyOrder(objects: K8sObject[]): K8sObject[] {
  const rank = (o: K8sObject) => { const i = APPLY_ORDER.indexOf(o.kind); return i < 0 ? APPLY_ORDER.length : i; };
  return objects.map((o, i) => [o, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([o]) => o);
}

export interface ApplyFailure {
  readonly object: string;
  readonly result: Result;
}

/** Applies every object as the GitOps controller (server-side apply, strict); returns what was refused. */
export async function applyAsGitOps(client: KubeClient, objects: K8sObject[], as: Identity = ARGOCD): Promise<ApplyFailure[]> {
  const failures: ApplyFailure[] = [];
  for (const o of applyOrder(objects)) {
    const result = await client.apply(o, { as, fieldManager: 'argocd-controller' });
    if (!result.ok) failures.push({ object: objectRef(o), result });
  }
  return failures;
}

export function objectRef(o: { kind: string; metadata: { name?: string; namespace?: string } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** Every ValidatingAdmissionPolicy's state: accepted, bound, and its type-checking warnings once the server has checked it. */
export async function policyStatus(client: KubeClient, name: string): Promise<{ name: string; warnings: string[]; checked: boolean }> {
  const live = await client.get({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name } });
  if (!live) throw new Error(`ValidatingAdmissionPolicy ${name} is not on the server`);
  const tc = live.status?.typeChecking;
  const checked = live.status?.observedGeneration === live.metadata.generation && tc !== undefined;
  return { name, checked, warnings: (tc?.expressionWarnings ?? []).map((w: any) => `${w.fieldRef}: ${w.warning}`) };
}

/** Waits until the resourcequota controller has computed every quota of a namespace (ResourceQuota admission needs it). */
export async function waitForQuotas(client: KubeClient, namespace: string): Promise<void> {
  await client.waitFor(`the quotas of ${namespace} to be computed`, async () => {
    const list = await client.must('GET', `/api/v1/namespaces/${namespace}/resourcequotas`);
    return list.items.every((q: any) => q.status?.hard && Object.keys(q.spec?.hard ?? {}).every((k) => k in q.status.hard)) ? true : undefined;
  });
}

/**
 * Waits until the API server's RBAC authorizer grants `who` a verb on a
 * resource in a namespace (a SubjectAccessReview): a Role or RoleBinding just
 * applied reaches the authorizer through an informer, a moment later.
 */
export async function waitForAccess(client: KubeClient, who: Identity, namespace: string, verb: string, resource: string, group = ''): Promise<void> {
  await client.waitFor(`RBAC to grant ${who.username} ${verb} ${resource} in ${namespace}`, async () => {
    const review = await client.must('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: who.username, groups: who.groups, resourceAttributes: { namespace, verb, group, resource } },
    });
    return review.status?.allowed === true ? true : undefined;
  });
}

/** Waits for a namespace's default ServiceAccount (ServiceAccount admission needs it for pods). */
export async function waitForDefaultServiceAccount(client: KubeClient, namespace: string): Promise<void> {
  await client.waitFor(`the default ServiceAccount of ${namespace}`, async () =>
    (await client.get({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } })) ? true : undefined);
}

const CANARY = 'cluster-tier-canary';
const CANARY_LABEL = 'cluster-tier.cdk8s-tenancy.io/canary';

/**
 * Waits until the API server enforces every ValidatingAdmissionPolicy and
 * binding applied so far. The admission plugin compiles policies from its
 * own informers, asynchronously (a refresh about every second, slower under
 * load), and neither the objects being stored nor their type-check status
 * (written by the controller manager) says it has. So: a canary policy and
 * binding are created last, and once a request the canary refuses is
 * refused, the plugin has rebuilt from a snapshot holding everything
 * applied before them (each informer sees its kind's events in order).
 * The canary then goes; it only ever refused ConfigMaps carrying its label.
 */
export async function waitForPoliciesEnforced(client: KubeClient): Promise<void> {
  const vap = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: CANARY },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] },
      validations: [{ expression: `!has(object.metadata.labels) || !('${CANARY_LABEL}' in object.metadata.labels)`, message: 'canary' }],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: CANARY },
    spec: { policyName: CANARY, validationActions: ['Deny'] },
  };
  await client.must('POST', (await client.paths(vap)).collection, vap);
  await client.must('POST', (await client.paths(binding)).collection, binding);
  const probe = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'canary', namespace: 'default', labels: { [CANARY_LABEL]: 'true' } } };
  await client.waitFor('the API server to enforce the ValidatingAdmissionPolicies applied', async () => {
    const r = await client.create(probe, { dryRun: true });
    return !r.ok && r.denial.layer === 'policy' && r.denial.policy === CANARY ? true : undefined;
  });
  await client.must('DELETE', (await client.paths(binding)).item);
  await client.must('DELETE', (await client.paths(vap)).item);
}
