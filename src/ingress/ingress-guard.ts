import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { NamedExpression, validatingPolicy } from '../core/admission-v1';
import { TENANT_LABEL } from '../core/labels';

/**
 * The name of the policy (and binding) that holds tenants' Ingresses,
 * Gateways and routes to their classes and hostnames.
 */
export const INGRESS_POLICY_NAME = 'cdk8s-tenancy-ingress';

/** The legacy annotation ingress controllers still read before `spec.ingressClassName`. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The Gateway API group and the route kinds tenants may be given (standard channel). */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_ROUTE_RESOURCES = ['httproutes', 'grpcroutes'];

/**
 * One tenant's ingress rules. Tenants without an entry may use any
 * IngressClass and hostname, and no Gateway. Every value is a list of
 * strings: the API server's CEL compiles map literals only when their
 * values share one type.
 */
export interface TenantIngressRules {
  /** `any-ingress-class` (and none), `any-host`: what the tenant may use without a list. */
  readonly any: string[];
  /** The allowed IngressClasses, when not any. */
  readonly ingressClasses: string[];
  /** The class the guard's message names (one, or none). */
  readonly defaultIngressClass: string[];
  /** The GatewayClasses its Gateways may use (none: no Gateways). */
  readonly gatewayClasses: string[];
  /** Hostnames allowed exactly. */
  readonly names: string[];
  /** Hostnames allowed below these suffixes (leading dot). */
  readonly suffixes: string[];
}

/** The rules of a tenant without settings. */
const DEFAULT_RULES: TenantIngressRules = { any: ['any-ingress-class', 'any-host'], ingressClasses: [], defaultIngressClass: [], gatewayClasses: [], names: [], suffixes: [] };

/** The policy (and binding) for Gateways, and the one for routes; created with the ingress guard. */
export const GATEWAY_POLICY_NAME = 'cdk8s-tenancy-gateways';
export const ROUTE_POLICY_NAME = 'cdk8s-tenancy-routes';

/**
 * The ingress guard, bound in every tenant's namespace (namespaces with the
 * tenant label, which tenants cannot set), as three policies reading the
 * same per-tenant rules, one per object shape (the API server type-checks
 * every expression against every kind a policy matches): on CREATE and
 * UPDATE,
 *
 * - `cdk8s-tenancy-ingress`: an Ingress uses one of the tenant's
 *   IngressClasses (field or legacy annotation), when it has an allowlist;
 * - `cdk8s-tenancy-gateways`: a Gateway uses one of the tenant's
 *   GatewayClasses (none by default: no Gateways) and claims no
 *   `spec.addresses` (an address is the platform's to hand out, like a
 *   Service's external IPs);
 * - with a hostname allowlist, every host an Ingress (rules and TLS), a
 *   Gateway listener or a route (`cdk8s-tenancy-routes`: HTTPRoute,
 *   GRPCRoute) serves is allowed, and none is left out (no host serves
 *   every host; an Ingress default backend catches every host of its
 *   class).
 *
 * `exemptions` are the platform's match conditions.
 */
export function ingressGuard(scope: Construct, labels: Record<string, string>, exemptions: NamedExpression[], rules: () => string): void {
  const T = JSON.stringify(TENANT_LABEL);
  const A = JSON.stringify(INGRESS_CLASS_ANNOTATION);
  const allowedHost = (h: string) => `(variables.rules.names.exists(n, n == ${h}) || variables.rules.suffixes.exists(s, ${h}.endsWith(s)))`;
  const hostsText = "(variables.rules.names + variables.rules.suffixes.map(s, '*' + s)).join(', ')";
  const anyHost = "('any-host' in variables.rules.any)";
  const tenantRules = [
    { name: 'tenant', expression: `namespaceObject.metadata.labels[${T}]` },
    { name: 'all', expression: Lazy.any({ produce: rules }) },
    { name: 'rules', expression: `variables.tenant in variables.all ? variables.all[variables.tenant] : ${JSON.stringify(DEFAULT_RULES)}` },
  ];
  const policy = (name: string, apiGroup: string, resources: string[], variables: { name: string; expression: string }[], validations: any[]) =>
    validatingPolicy(scope, name, labels, {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [apiGroup], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources }],
        namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
      },
      matchConditions: exemptions,
      variables: [...tenantRules, ...variables],
      validations: validations.map((v) => ({ ...v, reason: 'Forbidden' })),
    });

  policy(INGRESS_POLICY_NAME, 'networking.k8s.io', ['ingresses'], [{
    name: 'classes',
    expression: `(has(object.metadata.annotations) && ${A} in object.metadata.annotations ? [object.metadata.annotations[${A}]] : [])`
      + ' + (has(object.spec.ingressClassName) ? [object.spec.ingressClassName] : [])',
  }], [
    {
      expression: "('any-ingress-class' in variables.rules.any)"
        + ' || (size(variables.classes) > 0 && variables.classes.all(c, c in variables.rules.ingressClasses))',
      messageExpression: "'tenant ' + variables.tenant + ' may only use the IngressClasses ' + variables.rules.ingressClasses.join(', ')"
        + " + ': set spec.ingressClassName (the tenant\\'s default is ' + variables.rules.defaultIngressClass.join('') + ')'"
        + ` + (size(variables.classes) > 0 ? ', not ' + variables.classes.join(', ') + ' (field or ${INGRESS_CLASS_ANNOTATION} annotation)' : '')`,
    },
    {
      expression: `${anyHost} || (!has(object.spec.defaultBackend)`
        + ` && (!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && ${allowedHost('r.host')}))`
        + ` && (!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, ${allowedHost('h')}))))`,
      messageExpression: "'tenant ' + variables.tenant + ' may only serve the hostnames ' + " + hostsText
        + " + ': every Ingress rule and TLS entry must name one of them (a rule without host, or a default backend, serves every host)'",
    },
  ]);

  policy(GATEWAY_POLICY_NAME, GATEWAY_API_GROUP, ['gateways'], [], [
    {
      expression: 'object.spec.gatewayClassName in variables.rules.gatewayClasses',
      messageExpression: "'tenant ' + variables.tenant + (size(variables.rules.gatewayClasses) == 0"
        + " ? ' may not create Gateways (none of its own are allowed; attach routes to the platform\\'s Gateways)'"
        + " : ' may only create Gateways of the GatewayClasses ' + variables.rules.gatewayClasses.join(', ') + ', not ' + object.spec.gatewayClassName)",
    },
    {
      expression: '!has(object.spec.addresses) || size(object.spec.addresses) == 0',
      messageExpression: "'tenant ' + variables.tenant + ' may not request addresses for a Gateway (spec.addresses): addresses are the platform\\'s to hand out'",
    },
    {
      expression: `${anyHost} || object.spec.listeners.all(l, has(l.hostname) && ${allowedHost('l.hostname')})`,
      messageExpression: "'tenant ' + variables.tenant + ' may only serve the hostnames ' + " + hostsText
        + " + ': every Gateway listener must name one of them (a listener without hostname serves every host)'",
    },
  ]);

  policy(ROUTE_POLICY_NAME, GATEWAY_API_GROUP, [...GATEWAY_ROUTE_RESOURCES], [], [
    {
      expression: `${anyHost} || (has(object.spec.hostnames) && size(object.spec.hostnames) > 0 && object.spec.hostnames.all(h, ${allowedHost('h')}))`,
      messageExpression: "'tenant ' + variables.tenant + ' may only serve the hostnames ' + " + hostsText
        + " + ': every route must list spec.hostnames, each one of them (a route without hostnames serves every host of its Gateway)'",
    },
  ]);
}
