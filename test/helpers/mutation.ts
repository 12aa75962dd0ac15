import * as jmespath from 'jmespath';
import { K8sObject } from './manifests';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel: typeof import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } }) = require('@marcbachmann/cel-js');

/**
 * Models of the two mutating engines, enough to prove the mutations we emit
 * by applying them: each helper takes the manifests, finds the mutators that
 * select a pod in a namespace, and returns the pod as the engine would
 * admit it. Anything outside the subset we emit (globs, other patch
 * operations, other precondition operators) throws, so a change in what we
 * emit cannot silently fall outside the model.
 */

export interface MutationRequest {
  /** The object under admission: a Pod, or a PersistentVolumeClaim. */
  readonly pod: Record<string, any>;
  /** The object's namespace, with its labels. */
  readonly namespace: K8sObject | Record<string, any>;
  readonly operation?: 'CREATE' | 'UPDATE';
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** The resource of the kinds the library mutates (core group, v1). */
const RESOURCES: Record<string, string> = { Pod: 'pods', PersistentVolumeClaim: 'persistentvolumeclaims' };
function resourceOf(object: Record<string, any>): string {
  const resource = RESOURCES[object.kind];
  if (!resource) throw new Error(`mutations of ${object.kind} are not modelled`);
  return resource;
}

function selects(selector: any, labels: Record<string, string>): boolean {
  if (selector.matchExpressions) throw new Error('matchExpressions are not modelled in mutators');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

// ---- Gatekeeper Assign (mutations.gatekeeper.sh/v1) ----

type PathNode = { field: string } | { keyField: string; keyValue: string };

/**
 * Parses an Assign `location`: fields separated by '.', a field may be
 * quoted, and a list may be selected by `[keyField: value]` (value quoted
 * when it holds '.' or '/'), as Gatekeeper's path parser reads them.
 */
export function parseLocation(location: string): PathNode[] {
  const token = /\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([A-Za-z0-9_-]+)|(\.)|(\[)|(\])|(:)|(\*))/y;
  const tokens: string[] = [];
  let m: RegExpExecArray | null;
  while (token.lastIndex < location.length && (m = token.exec(location))) {
    if (m[8]) throw new Error(`globs are not modelled: ${location}`);
    const quoted = m[1] ?? m[2];
    tokens.push(quoted !== undefined ? `=${quoted.replace(/\\(.)/g, '$1')}` : m[3] !== undefined ? `=${m[3]}` : m[4] ?? m[5] ?? m[6] ?? m[7]);
  }
  if (token.lastIndex < location.length) throw new Error(`cannot parse location at ${token.lastIndex}: ${location}`);
  const nodes: PathNode[] = [];
  for (let i = 0; i < tokens.length;) {
    if (!tokens[i].startsWith('=')) throw new Error(`expected a field at token ${i}: ${location}`);
    nodes.push({ field: tokens[i].slice(1) });
    i++;
    if (tokens[i] === '[') {
      const [keyField, colon, keyValue, close] = tokens.slice(i + 1, i + 5);
      if (!keyField?.startsWith('=') || colon !== ':' || !keyValue?.startsWith('=') || close !== ']') throw new Error(`bad list selector: ${location}`);
      nodes.push({ keyField: keyField.slice(1), keyValue: keyValue.slice(1) });
      i += 5;
    }
    if (i < tokens.length && tokens[i++] !== '.') throw new Error(`expected '.': ${location}`);
  }
  return nodes;
}

/** Sets `value` at `path` in `doc` as Gatekeeper's Assign does. */
function assignAt(doc: any, path: PathNode[], value: unknown): void {
  let current = doc;
  path.forEach((node, i) => {
    const last = i === path.length - 1;
    const next = path[i + 1];
    if ('field' in node) {
      if (last) { current[node.field] = clone(value); return; }
      current[node.field] ??= next && 'keyField' in next ? [] : {};
      current = current[node.field];
      return;
    }
    // A keyed list: the first element whose key matches is replaced (at the
    // end of the path) or descended into; otherwise one is appended.
    const index = (current as any[]).findIndex((e) => e?.[node.keyField] === node.keyValue);
    if (last) {
      if ((value as any)?.[node.keyField] !== node.keyValue) throw new Error('key value of a keyed list element must not change');
      if (index >= 0) current[index] = clone(value); else current.push(clone(value));
      return;
    }
    if (index < 0) current.push({ [node.keyField]: node.keyValue });
    current = current[index >= 0 ? index : current.length - 1];
  });
}

/**
 * An Assign's `pathTests`, in the one form modelled: a test of the whole
 * location, `MustExist` or `MustNotExist`, where a field exists when it is
 * set to anything (the empty string included), as in the object's JSON.
 */
function pathTestsHold(object: any, location: string, tests: { subPath: string; condition: string }[]): boolean {
  return tests.every(({ subPath, condition }) => {
    const path = parseLocation(subPath);
    if (subPath !== location || path.some((n) => !('field' in n))) throw new Error(`only a pathTest of the whole location, through fields, is modelled: ${subPath}`);
    const value = path.reduce((x: any, n) => (x === undefined || x === null ? undefined : x[(n as { field: string }).field]), object);
    if (condition === 'MustNotExist') return value === undefined;
    if (condition === 'MustExist') return value !== undefined;
    throw new Error(`pathTest condition ${condition} is not modelled`);
  });
}

/** Applies every matching Assign to the object, in name order. */
export function gatekeeperMutate(manifests: K8sObject[], req: MutationRequest): Record<string, any> {
  const pod = clone(req.pod);
  const labels = req.namespace.metadata?.labels ?? {};
  const assigns = manifests.filter((o) => o.apiVersion === 'mutations.gatekeeper.sh/v1' && o.kind === 'Assign')
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (const a of assigns) {
    const { applyTo, match = {}, location, parameters } = a.spec;
    resourceOf(pod);
    if (!applyTo.some((t: any) => t.groups.includes('') && t.versions.includes('v1') && t.kinds.includes(pod.kind))) continue;
    if (match.kinds && !match.kinds.some((k: any) => k.kinds.includes(pod.kind) && (k.apiGroups.includes('') || k.apiGroups.includes('*')))) continue;
    if (match.scope === 'Cluster') continue;
    if (match.namespaces || match.excludedNamespaces || match.labelSelector || match.name) throw new Error('match fields not modelled');
    if (match.namespaceSelector && !selects(match.namespaceSelector, labels)) continue;
    if (!('value' in parameters.assign)) throw new Error('only assign.value is modelled');
    if (!pathTestsHold(pod, location, parameters.pathTests ?? [])) continue;
    assignAt(pod, parseLocation(location), parameters.assign.value);
  }
  return pod;
}

// ---- Kyverno mutate rules (kyverno.io/v1 ClusterPolicy, patchesJson6902) ----

/** Substitutes a whole-value `{{ jmespath }}` against the request, as Kyverno does. */
function substitute(value: unknown, context: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = /^\{\{(.*)\}\}$/s.exec(value.trim());
  if (!m) {
    if (value.includes('{{')) throw new Error(`partial substitution is not modelled: ${value}`);
    return value;
  }
  return jmespath.search(context, m[1].trim());
}

function preconditionsHold(preconditions: any, context: unknown): boolean {
  if (!preconditions) return true;
  const holds = (c: any) => {
    const key = substitute(c.key, context);
    const value = substitute(c.value, context);
    switch (c.operator) {
      case 'Equals': return JSON.stringify(key) === JSON.stringify(value);
      case 'NotEquals': return JSON.stringify(key) !== JSON.stringify(value);
      default: throw new Error(`precondition operator ${c.operator} is not modelled`);
    }
  };
  if (preconditions.all && !preconditions.all.every(holds)) return false;
  if (preconditions.any && !preconditions.any.some(holds)) return false;
  return true;
}

/**
 * Applies an RFC 6902 `add` as Kyverno does (evanphx/json-patch with
 * EnsurePathExistsOnAdd): missing parents are created (arrays before a
 * numeric or '-' segment, objects otherwise); '-' appends; an existing
 * object member is replaced.
 */
function addAt(doc: any, pointer: string, value: unknown): void {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let current = doc;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (Array.isArray(current)) {
      if (!last) throw new Error(`descending into array elements is not modelled: ${pointer}`);
      if (part === '-') current.push(clone(value)); else current.splice(Number(part), 0, clone(value));
      return;
    }
    if (last) { current[part] = clone(value); return; }
    current[part] ??= /^(-|\d+)$/.test(parts[i + 1]) ? [] : {};
    current = current[part];
  });
}

/** Applies, in order, every matching `patchesJson6902` mutate rule of every ClusterPolicy. */
export function kyvernoMutate(manifests: K8sObject[], req: MutationRequest): Record<string, any> {
  const pod = clone(req.pod);
  const operation = req.operation ?? 'CREATE';
  const labels = req.namespace.metadata?.labels ?? {};
  const policies = manifests.filter((o) => o.apiVersion === 'kyverno.io/v1' && o.kind === 'ClusterPolicy');
  for (const policy of policies) {
    for (const rule of policy.spec.rules ?? []) {
      const patches = rule.mutate?.patchesJson6902;
      if (patches === undefined) {
        if (rule.mutate) throw new Error(`only patchesJson6902 is modelled (${policy.metadata.name}/${rule.name})`);
        continue;
      }
      const filters = rule.match.any ?? [];
      if (rule.match.all || rule.exclude) throw new Error('only match.any is modelled for mutate rules');
      resourceOf(pod);
      const matches = filters.some(({ resources: r }: any) => (!r.kinds || r.kinds.includes(pod.kind))
        && (!r.operations || r.operations.includes(operation))
        && (!r.namespaceSelector || selects(r.namespaceSelector, labels)));
      if (!matches) continue;
      if (!preconditionsHold(rule.preconditions, { request: { object: pod, operation } })) continue;
      for (const op of JSON.parse(patches)) {
        if (op.op !== 'add') throw new Error(`patch operation ${op.op} is not modelled`);
        addAt(pod, op.path, op.value);
      }
    }
  }
  return pod;
}

// ---- Kyverno MutatingPolicy (policies.kyverno.io/v1, JSONPatch mutations in CEL) ----

const CEL = new cel.Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

/** CEL integers are int64: JSON numbers that are whole become BigInt, and back. */
const toCel = (v: unknown): unknown => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v)
  : Array.isArray(v) ? v.map(toCel) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)])) : v);
const fromCel = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v)
  : Array.isArray(v) ? v.map(fromCel) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)])) : v);

/**
 * The CEL library we evaluate with has no message construction
 * (`JSONPatch{op: ..., path: ..., value: ...}`): the model rewrites that one
 * form into a map with the same fields. Anything else it cannot read throws.
 */
function jsonPatchAsMap(expression: string): string {
  const out = expression.replace(/JSONPatch\{op: /g, '{"op": ').replace(/, path: /g, ', "path": ').replace(/, value: /g, ', "value": ');
  if (out.includes('JSONPatch')) throw new Error(`JSONPatch form not modelled: ${expression}`);
  return out;
}

/** RFC 6902 `add` as the API server applies it to a MutatingAdmissionPolicy's patch: the parent must exist. */
function strictAdd(doc: any, pointer: string, value: unknown): void {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop()!;
  const parent = parts.reduce((x, k) => (x === undefined || x === null ? undefined : x[k]), doc);
  if (parent === undefined || parent === null) throw new Error(`add ${pointer}: the parent does not exist`);
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(clone(value)); else parent.splice(Number(last), 0, clone(value));
  } else {
    parent[last] = clone(value);
  }
}

/**
 * A model of Kyverno running its MutatingPolicies at admission, as the API
 * server runs a MutatingAdmissionPolicy: `matchConstraints` (resource
 * rules of pods or claims with operations, namespaceSelector matchLabels),
 * `matchConditions` on the object, then each
 * `JSONPatch` mutation's CEL against the object as mutated so far.
 */
export function kyvernoCelMutate(manifests: K8sObject[], req: MutationRequest): Record<string, any> {
  let pod = clone(req.pod);
  const operation = req.operation ?? 'CREATE';
  const labels = req.namespace.metadata?.labels ?? {};
  for (const policy of manifests.filter((o) => o.apiVersion === 'policies.kyverno.io/v1' && o.kind === 'MutatingPolicy')) {
    const spec = policy.spec;
    if (spec.variables || spec.matchConstraints.objectSelector) throw new Error('only resourceRules, namespaceSelector and matchConditions are modelled');
    const rules = spec.matchConstraints.resourceRules ?? [];
    const matches = rules.some((r: any) => r.apiGroups.includes('') && r.resources.includes(resourceOf(pod)) && r.operations.includes(operation));
    if (!matches || !selects(spec.matchConstraints.namespaceSelector ?? {}, labels)) continue;
    // matchConditions (all must hold) see the object as mutated so far.
    const conditions: { name: string; expression: string }[] = spec.matchConditions ?? [];
    if (!conditions.every((c) => CEL.evaluate(c.expression, { object: toCel(pod) }) === true)) continue;
    for (const m of spec.mutations) {
      if (m.patchType !== 'JSONPatch') throw new Error(`only JSONPatch mutations are modelled (${policy.metadata.name})`);
      const context = { object: toCel(pod), namespaceObject: toCel(req.namespace) };
      const patches = fromCel(CEL.evaluate(jsonPatchAsMap(m.jsonPatch.expression), context)) as any[];
      const next = clone(pod);
      for (const op of patches) {
        if (op.op !== 'add') throw new Error(`patch operation ${op.op} is not modelled`);
        strictAdd(next, op.path, op.value);
      }
      pod = next;
    }
  }
  return pod;
}

// ---- Gatekeeper AssignMetadata (mutations.gatekeeper.sh/v1) ----

/**
 * Applies every matching AssignMetadata to the pod, in name order, as
 * Gatekeeper does: a label or annotation is added only when the object does
 * not have it (AssignMetadata never changes existing metadata).
 */
export function gatekeeperAssignMetadata(manifests: K8sObject[], req: MutationRequest): Record<string, any> {
  const pod = clone(req.pod);
  const labels = req.namespace.metadata?.labels ?? {};
  const mutators = manifests.filter((o) => o.apiVersion === 'mutations.gatekeeper.sh/v1' && o.kind === 'AssignMetadata')
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (const a of mutators) {
    const { match = {}, location, parameters } = a.spec;
    if (match.kinds && !match.kinds.some((k: any) => k.kinds.includes('Pod') && (k.apiGroups.includes('') || k.apiGroups.includes('*')))) continue;
    if (match.scope === 'Cluster') continue;
    if (match.namespaces || match.excludedNamespaces || match.labelSelector || match.name) throw new Error('match fields not modelled');
    if (match.namespaceSelector && !selects(match.namespaceSelector, labels)) continue;
    const m = /^metadata\.(labels|annotations)\."([^"]+)"$/.exec(location);
    if (!m || !('value' in parameters.assign)) throw new Error(`only metadata.labels."key" with assign.value is modelled: ${location}`);
    pod.metadata ??= {};
    pod.metadata[m[1]] ??= {};
    if (!(m[2] in pod.metadata[m[1]])) pod.metadata[m[1]][m[2]] = parameters.assign.value;
  }
  return pod;
}

// ---- MutatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.36+) ----

/**
 * The API server running its bound MutatingAdmissionPolicies: the same
 * matchConstraints and CEL JSON patches as a Kyverno MutatingPolicy (which
 * Kyverno models on it), so the same model evaluates them; a policy
 * without a binding does nothing, as on the server.
 */
export function mutatingAdmissionPolicyMutate(manifests: K8sObject[], req: MutationRequest): Record<string, any> {
  const bound = new Set(manifests.filter((o) => o.apiVersion === 'admissionregistration.k8s.io/v1' && o.kind === 'MutatingAdmissionPolicyBinding').map((b) => b.spec.policyName));
  const policies = manifests.filter((o) => o.apiVersion === 'admissionregistration.k8s.io/v1' && o.kind === 'MutatingAdmissionPolicy' && bound.has(o.metadata.name));
  return kyvernoCelMutate(policies.map((p) => ({ ...p, apiVersion: 'policies.kyverno.io/v1', kind: 'MutatingPolicy' })), req);
}
