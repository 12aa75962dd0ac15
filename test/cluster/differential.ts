import { describeResult, Identity, KubeClient, Result } from './client';
import { admit, AuthorizerCheck } from '../helpers/admission';
import { K8sObject } from '../helpers/manifests';
import { can, Subject } from '../helpers/rbac';

/*
 * One table of requests, run twice: through the project's models (the RBAC
 * evaluator, then the CEL evaluation of the ValidatingAdmissionPolicies,
 * whose `authorizer` asks the same RBAC evaluator) and as real impersonated
 * requests against the API server. Each case states the expected outcome
 * and the layer that must refuse; where the model and the server disagree,
 * the case fails saying so: one of them is wrong.
 */

/** What must happen: allowed, or refused by a layer (a policy by name). */
export type Outcome =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly layer: 'rbac' }
  | { readonly allowed: false; readonly layer: 'policy'; readonly policy: string }
  /** Layers the models do not cover: the server alone decides these cases. */
  | { readonly allowed: false; readonly layer: 'pod-security' | 'quota' | 'limit-range' };

export const ALLOWED: Outcome = { allowed: true };
export const RBAC: Outcome = { allowed: false, layer: 'rbac' };
export const POD_SECURITY: Outcome = { allowed: false, layer: 'pod-security' };
export const policy = (name: string): Outcome => ({ allowed: false, layer: 'policy', policy: name });

export interface Case {
  readonly name: string;
  readonly as: Identity;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** CREATE: the new object. */
  readonly object?: K8sObject | Record<string, any>;
  /** UPDATE and DELETE: the existing object. */
  readonly target?: { kind: string; name: string; namespace?: string };
  /** UPDATE: what changes. */
  readonly change?: (o: any) => void;
  readonly expect: Outcome;
}

/** The resource (and API group) of each kind the cases touch. */
const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  Pod: { group: '', version: 'v1', resource: 'pods' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
  Service: { group: '', version: 'v1', resource: 'services' },
  Endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  EndpointSlice: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  PersistentVolumeClaim: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  Secret: { group: '', version: 'v1', resource: 'secrets' },
  ServiceAccount: { group: '', version: 'v1', resource: 'serviceaccounts' },
  ResourceQuota: { group: '', version: 'v1', resource: 'resourcequotas' },
  LimitRange: { group: '', version: 'v1', resource: 'limitranges' },
  NetworkPolicy: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
  RoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' },
  Role: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  ValidatingAdmissionPolicy: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicies' },
  ValidatingAdmissionPolicyBinding: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicybindings' },
  Ingress: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  Gateway: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
  HTTPRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  GRPCRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'grpcroutes' },
  Certificate: { group: 'cert-manager.io', version: 'v1', resource: 'certificates' },
  ServiceMonitor: { group: 'monitoring.coreos.com', version: 'v1', resource: 'servicemonitors' },
};

const VERBS = { CREATE: 'create', UPDATE: 'update', DELETE: 'delete' } as const;

/** The RBAC subjects an identity matches. */
function subjects(id: Identity): Subject[] {
  const out: Subject[] = [{ kind: 'User', name: id.username }];
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(id.username);
  if (sa) out.push({ kind: 'ServiceAccount', namespace: sa[1], name: sa[2] });
  for (const g of id.groups ?? []) out.push({ kind: 'Group', name: g });
  return out;
}

/** The RBAC model: may `id` do this, given these RBAC objects? system:masters may do anything, as in Kubernetes. */
export function rbacModel(rbac: K8sObject[], id: Identity): AuthorizerCheck {
  return (c) => (id.groups ?? []).includes('system:masters')
    || subjects(id).some((s) => can(rbac, s, c.verb, c.group, c.subresource ? `${c.resource}/${c.subresource}` : c.resource, c.namespace));
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));

function findObject(objects: K8sObject[], t: { kind: string; name: string; namespace?: string }): K8sObject {
  const found = objects.find((o) => o.kind === t.kind && o.metadata.name === t.name && o.metadata.namespace === t.namespace);
  if (!found) throw new Error(`no ${t.kind} ${t.namespace ?? ''}/${t.name} among the fixture's objects`);
  return found;
}

/** The request a case makes, with the old and new objects. */
function shape(c: Case, objects: K8sObject[]): { oldObject: any; object: any; kind: string; namespace?: string } {
  if (c.operation === 'CREATE') {
    const o = c.object as K8sObject;
    return { oldObject: null, object: o, kind: o.kind, namespace: o.metadata.namespace };
  }
  const old = findObject(objects, c.target!);
  if (c.operation === 'DELETE') return { oldObject: old, object: null, kind: old.kind, namespace: old.metadata.namespace };
  const updated = clone(old);
  c.change!(updated);
  return { oldObject: old, object: updated, kind: old.kind, namespace: old.metadata.namespace };
}

/**
 * The models' verdict: RBAC first (as the API server authorizes before
 * admission), then every bound policy, with `authorizer` answering from
 * the same RBAC model.
 */
export function modelOutcome(c: Case, objects: K8sObject[], rbac: K8sObject[]): Outcome | { error: string } {
  const s = shape(c, objects);
  const resource = RESOURCES[s.kind];
  if (!resource) throw new Error(`case '${c.name}': add ${s.kind} to RESOURCES in test/cluster/differential.ts`);
  const authorizer = rbacModel(rbac, c.as);
  const isNamespace = s.kind === 'Namespace';
  const namespace = isNamespace ? undefined : s.namespace;
  if (!authorizer({ group: resource.group, resource: resource.resource, namespace, verb: VERBS[c.operation] })) return RBAC;
  const namespaceObject = isNamespace ? null : objects.find((o) => o.kind === 'Namespace' && o.metadata.name === s.namespace) ?? null;
  const result = admit(objects, {
    operation: c.operation,
    resource,
    namespace: isNamespace ? undefined : s.namespace,
    object: s.object,
    oldObject: s.oldObject,
    namespaceObject,
    userInfo: { username: c.as.username, groups: c.as.groups },
    authorizer,
  });
  if (result.errors.length > 0) return { error: result.errors.map((e) => `${e.policy}: ${e.error}`).join('; ') };
  if (!result.allowed) return policy(result.denials[0].policy);
  return ALLOWED;
}

/** The same request, made for real as the case's identity (dry run: nothing persists). */
export async function serverOutcome(c: Case, objects: K8sObject[], client: KubeClient):
Promise<{ outcome: Outcome | { other: string }; result: Result }> {
  const s = shape(c, objects);
  let result: Result;
  if (c.operation === 'CREATE') {
    result = await client.create(s.object, { as: c.as, dryRun: true });
  } else if (c.operation === 'DELETE') {
    result = await client.delete(s.oldObject, { as: c.as, dryRun: true });
  } else {
    // The change applied to the live object, as a client edits what it read.
    const live = await client.get(s.oldObject);
    if (!live) throw new Error(`case '${c.name}': ${s.kind} ${s.oldObject.metadata.name} is not on the server`);
    const updated = clone(live);
    c.change!(updated);
    result = await client.update(updated, { as: c.as, dryRun: true });
  }
  if (result.ok) return { outcome: ALLOWED, result };
  const d = result.denial;
  if (d.layer === 'rbac') return { outcome: RBAC, result };
  if (d.layer === 'policy') return { outcome: policy(d.policy!), result };
  if (d.layer === 'pod-security' || d.layer === 'quota' || d.layer === 'limit-range') return { outcome: { allowed: false, layer: d.layer }, result };
  return { outcome: { other: describeResult(result) }, result };
}

export function outcomeText(o: Outcome | { error: string } | { other: string }): string {
  if ('error' in o) return `CEL error: ${o.error}`;
  if ('other' in o) return o.other;
  if (o.allowed) return 'allowed';
  return `refused by ${o.layer}${o.layer === 'policy' ? ` ${o.policy}` : ''}`;
}

/** Whether a layer is covered by the models (else only the server is compared with the expectation). */
export function modelled(o: Outcome): boolean {
  return o.allowed || o.layer === 'rbac' || o.layer === 'policy';
}

/**
 * Runs a case on the models and on the API server (dry run). Where the
 * models cover the expected layer they must agree with the server (if not,
 * the case is named: one of them is wrong), and the server must give the
 * expected outcome. Returns the server's result, for checks of its message.
 */
export async function judgeCase(c: Case, objects: K8sObject[], rbac: K8sObject[], client: KubeClient): Promise<Result> {
  const model = modelOutcome(c, objects, rbac);
  const server = await serverOutcome(c, objects, client);
  const covered = modelled(c.expect);
  const verdicts = {
    case: c.name,
    expected: outcomeText(c.expect),
    model: covered ? outcomeText(model) : '(layer not modelled)',
    server: outcomeText(server.outcome),
  };
  if (covered && verdicts.model !== verdicts.server) {
    throw new Error(`the model and the API server disagree on '${c.name}': model ${verdicts.model}; server ${describeResult(server.result)}`);
  }
  expect(verdicts).toEqual({ ...verdicts, model: covered ? verdicts.expected : verdicts.model, server: verdicts.expected });
  return server.result;
}
