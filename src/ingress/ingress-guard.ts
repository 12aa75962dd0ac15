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
 * IngressClass and hostname, and no Gateway.
 */
export interface TenantIngressRules {
  /** Whether any IngressClass (and none) is allowed. */
  readonly anyIngressClass: boolean;
  /** The allowed IngressClasses, when not any. */
  readonly ingressClasses: string[];
  /** The class the guard's message names. */
  readonly defaultIngressClass: string;
  /** The GatewayClasses its Gateways may use (none: no Gateways). */
  readonly gatewayClasses: string[];
  /** Whether any hostname is allowed. */
  readonly anyHost: boolean;
  /** Hostnames allowed exactly. */
  readonly names: string[];
  /** Hostnames allowed below these suffixes (leading dot). */
  readonly suffixes: string[];
}

/** The rules of a tenant without settings. */
const DEFAULT_RULES: TenantIngressRules = { anyIngressClass: true, ingressClasses: [], defaultIngressClass: '', gatewayClasses: [], anyHost: true, names: [], suffixes: [] };

/**
 * The ingress guard, bound in every tenant's namespace (namespaces with the
 * tenant label, which tenants cannot set): on CREATE and UPDATE,
 *
 * - an Ingress uses one of the tenant's IngressClasses (field and legacy
 *   annotation), when it has an allowlist;
 * - a Gateway uses one of the tenant's GatewayClasses (none by default: no
 *   Gateways) and claims no `spec.addresses` (an address is the platform's
 *   to hand out, like a Service's external IPs);
 * - with a hostname allowlist, every host an Ingress (rules and TLS), a
 *   Gateway listener or a route (HTTPRoute, GRPCRoute) serves is allowed,
 *   and none is left out (no host serves every host; an Ingress default
 *   backend catches every host of its class).
 *
 * Each validation starts by the resource it judges, so one policy holds
 * the three kinds. `exemptions` are the platform's match conditions.
 */
export function ingressGuard(scope: Construct, labels: Record<string, string>, exemptions: NamedExpression[], rules: () => string): void {
  const T = JSON.stringify(TENANT_LABEL);
  const A = JSON.stringify(INGRESS_CLASS_ANNOTATION);
  const is = (resource: string) => `(request.resource.resource == '${resource}')`;
  const isRoute = `(${GATEWAY_ROUTE_RESOURCES.map(is).join(' || ')})`;
  const allowedHost = (h: string) => `(variables.rules.names.exists(n, n == ${h}) || variables.rules.suffixes.exists(s, ${h}.endsWith(s)))`;
  const hostsText = "(variables.rules.names + variables.rules.suffixes.map(s, '*' + s)).join(', ')";
  validatingPolicy(scope, INGRESS_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        { apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] },
        { apiGroups: [GATEWAY_API_GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['gateways', ...GATEWAY_ROUTE_RESOURCES] },
      ],
      namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
    },
    matchConditions: exemptions,
    variables: [
      { name: 'tenant', expression: `namespaceObject.metadata.labels[${T}]` },
      { name: 'all', expression: Lazy.any({ produce: rules }) },
      { name: 'rules', expression: `variables.tenant in variables.all ? variables.all[variables.tenant] : ${JSON.stringify(DEFAULT_RULES)}` },
      {
        name: 'ingressClasses',
        expression: `${is('ingresses')} ? (has(object.metadata.annotations) && ${A} in object.metadata.annotations ? [object.metadata.annotations[${A}]] : [])`
          + ' + (has(object.spec.ingressClassName) ? [object.spec.ingressClassName] : []) : []',
      },
    ],
    validations: [
      {
        expression: `!${is('ingresses')} || variables.rules.anyIngressClass`
          + ' || (size(variables.ingressClasses) > 0 && variables.ingressClasses.all(c, c in variables.rules.ingressClasses))',
        messageExpression: "'tenant ' + variables.tenant + ' may only use the IngressClasses ' + variables.rules.ingressClasses.join(', ')"
          + " + ': set spec.ingressClassName (the tenant\\'s default is ' + variables.rules.defaultIngressClass + ')'"
          + ` + (size(variables.ingressClasses) > 0 ? ', not ' + variables.ingressClasses.join(', ') + ' (field or ${INGRESS_CLASS_ANNOTATION} annotation)' : '')`,
        reason: 'Forbidden',
      },
      {
        expression: `!${is('ingresses')} || variables.rules.anyHost || (!has(object.spec.defaultBackend)`
          + ` && (!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && ${allowedHost('r.host')}))`
          + ` && (!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, ${allowedHost('h')}))))`,
        messageExpression: "'tenant ' + variables.tenant + ' may only serve the hostnames ' + " + hostsText
          + " + ': every Ingress rule and TLS entry must name one of them (a rule without host, or a default backend, serves every host)'",
        reason: 'Forbidden',
      },
      {
        expression: `!${is('gateways')} || object.spec.gatewayClassName in variables.rules.gatewayClasses`,
        messageExpression: "'tenant ' + variables.tenant + (size(variables.rules.gatewayClasses) == 0"
          + " ? ' may not create Gateways (none of its own are allowed; attach routes to the platform\\'s Gateways)'"
          + " : ' may only create Gateways of the GatewayClasses ' + variables.rules.gatewayClasses.join(', ') + ', not ' + object.spec.gatewayClassName)",
        reason: 'Forbidden',
      },
      {
        expression: `!${is('gateways')} || !has(object.spec.addresses) || size(object.spec.addresses) == 0`,
        messageExpression: "'tenant ' + variables.tenant + ' may not request addresses for a Gateway (spec.addresses): addresses are the platform\\'s to hand out'",
        reason: 'Forbidden',
      },
      {
        expression: `!${is('gateways')} || variables.rules.anyHost || object.spec.listeners.all(l, has(l.hostname) && ${allowedHost('l.hostname')})`,
        messageExpression: "'tenant ' + variables.tenant + ' may only serve the hostnames ' + " + hostsText
          + " + ': every Gateway listener must name one of them (a listener without hostname serves every host)'",
        reason: 'Forbidden',
      },
      {
        expression: `!${isRoute} || variables.rules.anyHost || (has(object.spec.hostnames) && size(object.spec.hostnames) > 0`
          + ` && object.spec.hostnames.all(h, ${allowedHost('h')}))`,
        messageExpression: "'tenant ' + variables.tenant + ' may only serve the hostnames ' + " + hostsText
          + " + ': every route must list spec.hostnames, each one of them (a route without hostnames serves every host of its Gateway)'",
        reason: 'Forbidden',
      },
    ],
  });
}
