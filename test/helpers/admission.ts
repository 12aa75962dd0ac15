import * as ipaddr from 'ipaddr.js';
import { K8sObject } from './manifests';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel: typeof import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } }) = require('@marcbachmann/cel-js');

/**
 * A model of how the API server runs ValidatingAdmissionPolicies, enough to
 * prove our policies by evaluating them: a policy acts only through a
 * binding; matchConstraints (resource rules, namespace and object
 * selectors), matchConditions, variables and validations are evaluated as
 * Kubernetes does, with the CEL of the policies as emitted.
 */

/** What `authorizer` answers: may the requester do `verb` on the resource? */
export type AuthorizerCheck = (check: {
  group: string; resource: string; subresource?: string; namespace?: string; name?: string; verb: string;
}) => boolean;

export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly resource: { group: string; version: string; resource: string };
  readonly subResource?: string;
  readonly namespace?: string;
  readonly object?: K8sObject | Record<string, any> | null;
  readonly oldObject?: K8sObject | Record<string, any> | null;
  /** The namespace of a namespaced request (null for cluster-scoped ones). */
  readonly namespaceObject?: K8sObject | Record<string, any> | null;
  readonly userInfo: { username: string; groups?: string[] };
  /** The requester's RBAC, as the `authorizer` variable sees it. @default allows nothing */
  readonly authorizer?: AuthorizerCheck;
}

export interface AdmissionResult {
  readonly allowed: boolean;
  /** The policies that denied, with their messages. */
  readonly denials: { policy: string; message: string }[];
  /** The policies that matched the request (after matchConditions). */
  readonly evaluated: string[];
  /** CEL errors: a correct policy never has any on a well-formed request. */
  readonly errors: { policy: string; error: string }[];
}

class Authorizer {
  constructor(readonly can: AuthorizerCheck) {}
}
class GroupCheck {
  constructor(readonly authz: Authorizer, readonly group: string) {}
}
class ResourceCheck {
  constructor(readonly authz: Authorizer, readonly group: string, readonly resource: string,
    readonly namespace?: string, readonly name?: string, readonly subresource?: string) {}
}
class Decision {
  constructor(readonly isAllowed: boolean) {}
}

/*
 * Kubernetes CEL's IP and CIDR libraries (k8s.io/apiserver pkg/cel/library
 * ip.go, cidr.go; in the base environment since 1.30), with their parsing
 * rules: Go's netip (no leading zeros in IPv4), no zones, no IPv4-mapped
 * IPv6; a prefix may have host bits set. containsIP/containsCIDR are false
 * across families, as netip's Prefix.Contains is.
 */
class IP {
  constructor(readonly addr: ipaddr.IPv4 | ipaddr.IPv6) {}
}
class CIDR {
  constructor(readonly addr: ipaddr.IPv4 | ipaddr.IPv6, readonly bits: number) {}
}
function parseIp(raw: string): IP {
  if (raw.includes('%')) throw new Error(`IP address ${JSON.stringify(raw)} with zone value is not allowed`);
  const ok = ipaddr.IPv4.isValidFourPartDecimal(raw) || (ipaddr.IPv6.isValid(raw) && !raw.includes('/'));
  if (!ok) throw new Error(`IP Address ${JSON.stringify(raw)} parse error during conversion from string`);
  const addr = ipaddr.parse(raw);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  return new IP(addr);
}
function parseCidr(raw: string): CIDR {
  const slash = raw.lastIndexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(raw.slice(slash + 1)) || (raw.length > slash + 2 && raw[slash + 1] === '0')) {
    throw new Error(`network address parse error during conversion from string: ${JSON.stringify(raw)}`);
  }
  const ip = parseIp(raw.slice(0, slash));
  const bits = Number(raw.slice(slash + 1));
  if (bits > (ip.addr.kind() === 'ipv4' ? 32 : 128)) throw new Error(`network address parse error during conversion from string: ${JSON.stringify(raw)}`);
  return new CIDR(ip.addr, bits);
}
function cidrContains(c: CIDR, a: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return c.addr.kind() === a.kind() && (a as any).match(c.addr, c.bits);
}

function environment(): InstanceType<typeof cel.Environment> {
  // Homogeneous aggregate literals, as the API server's CEL environment
  // (k8s.io/apiserver pkg/cel/environment): a list or map literal mixing
  // value types does not compile there (test/admission-model.test.ts).
  const env = new cel.Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: true });
  env.registerType('Authorizer', Authorizer as any);
  env.registerType('GroupCheck', GroupCheck as any);
  env.registerType('ResourceCheck', ResourceCheck as any);
  env.registerType('Decision', Decision as any);
  const fn = (name: string, receiverType: string, returnType: string, handler: (...args: any[]) => any, params: string[] = ['string']) =>
    env.registerFunction({ name, receiverType, returnType, handler, params: params.map((type, i) => ({ name: `a${i}`, type })) } as any);
  fn('group', 'Authorizer', 'GroupCheck', (a: Authorizer, g: string) => new GroupCheck(a, g));
  fn('resource', 'GroupCheck', 'ResourceCheck', (g: GroupCheck, r: string) => new ResourceCheck(g.authz, g.group, r));
  fn('namespace', 'ResourceCheck', 'ResourceCheck', (r: ResourceCheck, ns: string) => new ResourceCheck(r.authz, r.group, r.resource, ns, r.name, r.subresource));
  fn('name', 'ResourceCheck', 'ResourceCheck', (r: ResourceCheck, n: string) => new ResourceCheck(r.authz, r.group, r.resource, r.namespace, n, r.subresource));
  fn('subresource', 'ResourceCheck', 'ResourceCheck', (r: ResourceCheck, s: string) => new ResourceCheck(r.authz, r.group, r.resource, r.namespace, r.name, s));
  fn('check', 'ResourceCheck', 'Decision', (r: ResourceCheck, verb: string) =>
    new Decision(r.authz.can({ group: r.group, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name, verb })));
  fn('allowed', 'Decision', 'bool', (d: Decision) => d.isAllowed, []);
  env.registerType('net.IP', IP as any);
  env.registerType('net.CIDR', CIDR as any);
  env.registerFunction('ip(string): net.IP', (s: string) => parseIp(s));
  env.registerFunction('cidr(string): net.CIDR', (s: string) => parseCidr(s));
  fn('containsIP', 'net.CIDR', 'bool', (c: CIDR, s: string) => cidrContains(c, parseIp(s).addr));
  fn('containsIP', 'net.CIDR', 'bool', (c: CIDR, i: IP) => cidrContains(c, i.addr), ['net.IP']);
  fn('containsCIDR', 'net.CIDR', 'bool', (c: CIDR, s: string) => { const o = parseCidr(s); return c.bits <= o.bits && cidrContains(c, o.addr); });
  fn('containsCIDR', 'net.CIDR', 'bool', (c: CIDR, o: CIDR) => c.bits <= o.bits && cidrContains(c, o.addr), ['net.CIDR']);
  return env;
}

const ENV = environment();

/** CEL integers are int64: JSON numbers that are whole become BigInt. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

function matchesList(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function matchesSelector(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

/**
 * Whether a rule's `resources` match, as Kubernetes reads them: `*` is
 * every resource but no subresource, `*\/*` every resource and
 * subresource, `pods/*` every subresource of pods, `*\/scale` every scale
 * subresource.
 */
function matchesResourceList(list: string[] | undefined, resource: string, subResource: string | undefined): boolean {
  if ((list ?? []).includes('*/*') && list!.length > 1) {
    // The API server refuses such a policy (ValidatingAdmissionPolicy validation).
    throw new Error(`resources ${JSON.stringify(list)}: if '*/*' is present, must not specify other resources`);
  }
  return (list ?? []).some((x) => {
    const [r, s] = x.split('/');
    if (s === undefined) return !subResource && (r === '*' || r === resource);
    return (r === '*' || r === resource) && (s === '*' || s === subResource);
  });
}

function matchesResources(match: any, req: AdmissionRequest): boolean {
  if (!match) return true;
  // A rule's scope: 'Namespaced' never matches a cluster-scoped object (a
  // Namespace included), 'Cluster' never a namespaced one; '*' (the
  // default) matches both.
  const inScope = (scope: string | undefined) => (scope === 'Namespaced' ? !!req.namespace : scope === 'Cluster' ? !req.namespace : true);
  const ruleMatches = (rules: any[] | undefined) => (rules ?? []).some((r) =>
    matchesList(r.operations, req.operation) && matchesList(r.apiGroups, req.resource.group)
    && matchesList(r.apiVersions, req.resource.version) && matchesResourceList(r.resources, req.resource.resource, req.subResource)
    && inScope(r.scope));
  if (match.resourceRules && !ruleMatches(match.resourceRules)) return false;
  if (match.excludeResourceRules && ruleMatches(match.excludeResourceRules)) return false;
  // namespaceSelector: on the namespace itself for Namespace objects, on the
  // request's namespace for namespaced objects; other cluster-scoped objects
  // always match.
  const subject = req.resource.group === '' && req.resource.resource === 'namespaces' ? (req.object ?? req.oldObject) : req.namespaceObject;
  if (match.namespaceSelector && subject && !matchesSelector(match.namespaceSelector, subject.metadata?.labels ?? {})) return false;
  if (match.objectSelector) {
    const labelsOf = (o: any) => o?.metadata?.labels ?? {};
    const either = [req.object, req.oldObject].filter((o) => o);
    if (!either.some((o) => matchesSelector(match.objectSelector, labelsOf(o)))) return false;
  }
  return true;
}

/** The CEL variables every engine gives its expressions (before `variables`). */
function celContext(req: AdmissionRequest, object = req.object): Record<string, unknown> {
  return {
    object: toCel(object ?? null),
    oldObject: toCel(req.oldObject ?? null),
    namespaceObject: toCel(req.namespaceObject ?? null),
    request: toCel({
      operation: req.operation,
      resource: req.resource,
      subResource: req.subResource ?? '',
      namespace: req.namespace ?? '',
      name: (req.object ?? req.oldObject)?.metadata?.name ?? '',
      userInfo: { username: req.userInfo.username, groups: req.userInfo.groups ?? [] },
    }),
    authorizer: new Authorizer(req.authorizer ?? (() => false)),
  };
}

interface Rules {
  readonly matchConditions?: { expression: string }[];
  readonly variables?: { name: string; expression: string }[];
  readonly validations?: { expression: string; message?: string; messageExpression?: string }[];
}

/** CEL's reserved words (the CEL spec's lexis), which no identifier may be. */
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/**
 * Evaluates match conditions, then variables in order, then validations,
 * as the Kubernetes CEL admission library does (and with it Kyverno's
 * validate.cel and Gatekeeper's K8sNativeValidation). Returns whether the
 * conditions held; denial messages and CEL errors go to `out`.
 */
function runRules(name: string, rules: Rules, context: Record<string, unknown>, failClosed: boolean, denies: boolean,
  out: { denials: AdmissionResult['denials']; errors: AdmissionResult['errors'] }, extraVariables: Record<string, unknown> = {},
  conditionContext: Record<string, unknown> = context): boolean {
  // The API server refuses a policy whose variable is not a CEL identifier
  // (a reserved word such as `namespace` included: the real server found
  // that in the self-service guard, which this model had accepted).
  for (const v of rules.variables ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name) || CEL_RESERVED.has(v.name)) {
      throw new Error(`${name}: spec.variables name '${v.name}' must be a valid CEL identifier (the API server refuses the policy)`);
    }
  }
  let conditionsHold = false;
  try {
    conditionsHold = (rules.matchConditions ?? []).every((c) => ENV.evaluate(c.expression, conditionContext) === true);
    if (!conditionsHold) return false;
    const variables: Record<string, unknown> = { ...extraVariables };
    for (const v of rules.variables ?? []) {
      variables[v.name] = ENV.evaluate(v.expression, { ...context, variables });
    }
    for (const validation of rules.validations ?? []) {
      const result = ENV.evaluate(validation.expression, { ...context, variables });
      if (typeof result !== 'boolean') throw new Error(`validation '${validation.expression}' returned ${String(result)}, not a bool`);
      if (!result && denies) {
        const message = validation.messageExpression
          ? String(ENV.evaluate(validation.messageExpression, { ...context, variables }))
          : validation.message ?? `failed expression: ${validation.expression}`;
        out.denials.push({ policy: name, message });
      }
    }
  } catch (e) {
    const error = (e as Error).message;
    out.errors.push({ policy: name, error });
    if (failClosed && denies) out.denials.push({ policy: name, message: `policy evaluation failed: ${error}` });
  }
  return conditionsHold;
}

function outcome(out: { denials: AdmissionResult['denials']; errors: AdmissionResult['errors'] }, evaluated: string[]): AdmissionResult {
  return { allowed: out.denials.length === 0, denials: out.denials, evaluated, errors: out.errors };
}

/**
 * Runs every bound ValidatingAdmissionPolicy in `manifests` on `req`.
 */
export function admit(manifests: K8sObject[], req: AdmissionRequest): AdmissionResult {
  const policies = new Map(manifests.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((p) => [p.metadata.name, p]));
  const bindings = manifests.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
  const out = { denials: [], errors: [] };
  const evaluated: string[] = [];
  const context = celContext(req);
  // The API server evaluates a policy's matchConditions with namespaceObject
  // null (probed on 1.37: `namespaceObject == null` holds there, and
  // `namespaceObject.metadata` fails with "no such key: metadata").
  const conditionContext = { ...context, namespaceObject: null };
  for (const binding of bindings) {
    const policy = policies.get(binding.spec.policyName);
    if (!policy) continue; // a binding to a missing policy does nothing
    const spec = policy.spec;
    const name = policy.metadata.name;
    if (!matchesResources(spec.matchConstraints, req) || !matchesResources(binding.spec.matchResources, req)) continue;
    const denies = (binding.spec.validationActions as string[]).includes('Deny');
    if (runRules(name, spec, context, spec.failurePolicy !== 'Ignore', denies, out, {}, conditionContext)) evaluated.push(name);
  }
  return outcome(out, evaluated);
}

/** The kind of the object under review. */
function kindOf(req: AdmissionRequest): string {
  return (req.object ?? req.oldObject)?.kind ?? '';
}

/** A Kyverno `match`/`exclude` block (`any` or `all` of resource filters). */
function kyvernoMatches(block: any, req: AdmissionRequest): boolean {
  const one = (filter: any) => {
    const r = filter.resources ?? {};
    if (r.kinds && !r.kinds.includes(kindOf(req))) return false;
    if (r.operations && !r.operations.includes(req.operation)) return false;
    if (r.namespaces && !r.namespaces.includes(req.namespace)) return false;
    if (r.namespaceSelector && !matchesSelector(r.namespaceSelector, req.namespaceObject?.metadata?.labels ?? {})) return false;
    return true;
  };
  if (block.any) return block.any.some(one);
  if (block.all) return block.all.every(one);
  throw new Error(`unsupported Kyverno match block ${JSON.stringify(block)}`);
}

/**
 * A model of Kyverno (1.13+) running the `validate.cel` rules of its
 * ClusterPolicies at admission: `match` and `exclude` resource filters
 * (kinds, operations, namespaces, namespaceSelector), `celPreconditions`,
 * then `cel.variables` and `cel.expressions` with the Kubernetes CEL
 * variables (`namespaceObject` included). A rule with `failureAction:
 * Enforce` denies; an evaluation error denies when the policy fails closed.
 */
export function kyvernoAdmit(manifests: K8sObject[], req: AdmissionRequest): AdmissionResult {
  const out = { denials: [], errors: [] };
  const evaluated: string[] = [];
  const context = celContext(req);
  for (const policy of manifests.filter((o) => o.apiVersion === 'kyverno.io/v1' && o.kind === 'ClusterPolicy')) {
    const spec = policy.spec;
    const failClosed = (spec.webhookConfiguration?.failurePolicy ?? spec.failurePolicy ?? 'Fail') !== 'Ignore';
    for (const rule of spec.rules ?? []) {
      const rules = rule.validate?.cel;
      if (!rules) continue;
      if (!kyvernoMatches(rule.match, req) || (rule.exclude && kyvernoMatches(rule.exclude, req))) continue;
      const enforce = (rule.validate.failureAction ?? spec.validationFailureAction ?? 'Audit') === 'Enforce';
      const name = `${policy.metadata.name}/${rule.name}`;
      const celRules = { matchConditions: rule.celPreconditions, variables: rules.variables, validations: rules.expressions };
      if (runRules(name, celRules, context, failClosed, enforce, out)) {
        evaluated.push(name);
      }
    }
  }
  return outcome(out, evaluated);
}

/**
 * Kyverno's ValidatingPolicies (policies.kyverno.io/v1) are
 * ValidatingAdmissionPolicies run by Kyverno, their binding's
 * `validationActions` in the policy: evaluated by the same model, each as a
 * policy with its binding. `evaluation.admission.enabled: false` keeps one
 * out of admission.
 */
export function kyvernoCelAdmit(manifests: K8sObject[], req: AdmissionRequest): AdmissionResult {
  const policies = manifests.filter((o) => o.apiVersion === 'policies.kyverno.io/v1' && o.kind === 'ValidatingPolicy'
    && o.spec.evaluation?.admission?.enabled !== false);
  const asVap = policies.flatMap((p) => [
    { ...p, apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy' },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: p.metadata.name },
      spec: { policyName: p.metadata.name, validationActions: p.spec.validationActions ?? ['Deny'] },
    },
  ]);
  return admit(asVap, req);
}

/** A Gatekeeper `match` block (kinds, scope, namespaces, excludedNamespaces, namespaceSelector). */
function gatekeeperMatches(match: any, req: AdmissionRequest): boolean {
  const object = req.object ?? req.oldObject;
  const group = req.resource.group;
  if (match.kinds && !match.kinds.some((k: any) => (k.apiGroups ?? ['*']).some((g: string) => g === '*' || g === group)
    && (k.kinds ?? ['*']).some((x: string) => x === '*' || x === object?.kind))) return false;
  if (match.scope === 'Namespaced' && !req.namespace) return false;
  if (match.scope === 'Cluster' && req.namespace) return false;
  if (match.namespaces && !match.namespaces.includes(req.namespace)) return false;
  if (match.excludedNamespaces && match.excludedNamespaces.includes(req.namespace)) return false;
  if (match.namespaceSelector && !matchesSelector(match.namespaceSelector, req.namespaceObject?.metadata?.labels ?? {})) return false;
  if ((match.namespaces ?? []).concat(match.excludedNamespaces ?? []).some((n: string) => n.includes('*'))) throw new Error('namespace globs are not modelled');
  return true;
}

/**
 * A model of OPA Gatekeeper (3.22+) running ConstraintTemplates with the
 * CEL engine (`K8sNativeValidation`) in its validating webhook: each
 * Constraint of the template's kind whose `match` selects the request runs
 * the source's `matchCondition`, then `variables.params` (the Constraint's
 * parameters) and `variables.anyObject`, the source's variables, and its
 * validations. Gatekeeper clears `object` on DELETE. `namespaceObject` is
 * what the request carries: pass null to model Gatekeeper before 3.22.
 */
export function gatekeeperAdmit(manifests: K8sObject[], req: AdmissionRequest): AdmissionResult {
  const out = { denials: [], errors: [] };
  const evaluated: string[] = [];
  const object = req.operation === 'DELETE' ? null : req.object;
  const context = celContext(req, object);
  for (const template of manifests.filter((o) => o.apiVersion === 'templates.gatekeeper.sh/v1' && o.kind === 'ConstraintTemplate')) {
    const kind = template.spec.crd.spec.names.kind;
    if (template.metadata.name !== kind.toLowerCase()) throw new Error(`ConstraintTemplate ${template.metadata.name} must be named ${kind.toLowerCase()}`);
    const code = template.spec.targets[0].code.find((c: any) => c.engine === 'K8sNativeValidation');
    if (!code) continue;
    const source = code.source;
    for (const constraint of manifests.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1' && o.kind === kind)) {
      if (!gatekeeperMatches(constraint.spec?.match ?? {}, req)) continue;
      const denies = (constraint.spec?.enforcementAction ?? 'deny') === 'deny';
      const name = `${kind}/${constraint.metadata.name}`;
      const params = { params: toCel(constraint.spec?.parameters ?? null), anyObject: toCel(object ?? req.oldObject ?? null) };
      if (runRules(name, { matchConditions: source.matchCondition, variables: source.variables, validations: source.validations },
        context, (source.failurePolicy ?? 'Fail') !== 'Ignore', denies, out, params)) {
        evaluated.push(name);
      }
    }
  }
  return outcome(out, evaluated);
}
