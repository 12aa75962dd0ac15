import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { NamedExpression, validatingPolicy } from '../core/admission-v1';
import { TENANT_LABEL } from '../core/labels';

/**
 * The name of the policy (and binding) that holds tenants' Services to what
 * the platform allows them beyond their namespaces.
 */
export const SERVICE_POLICY_NAME = 'cdk8s-tenancy-services';

/** The annotation cloud controllers read as `loadBalancerSourceRanges` too. */
export const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/**
 * What one tenant's Services may name; tenants without an entry may name
 * nothing.
 */
export interface TenantServiceRules {
  /** CIDRs `spec.externalIPs` must fall in. */
  readonly externalIPs: string[];
  /** CIDRs every source range must fall in. */
  readonly sourceRanges: string[];
  /** ExternalName targets allowed exactly. */
  readonly names: string[];
  /** ExternalName targets allowed below these suffixes (leading dot). */
  readonly suffixes: string[];
}

/**
 * The Services guard, bound in every tenant's namespace (namespaces with
 * the tenant label, which tenants cannot set): on CREATE and UPDATE,
 *
 * - `spec.externalIPs` only inside the tenant's allowed networks
 *   (CVE-2020-8554: a Service claiming an address captures that address's
 *   traffic from every node);
 * - `spec.loadBalancerSourceRanges` and the source-ranges annotation only
 *   inside the tenant's allowed networks;
 * - `type: ExternalName` only to the tenant's allowed names.
 *
 * `rules` produces (at synth) a CEL map literal, tenant -> {@link TenantServiceRules}, read
 * at synth. The CIDR checks use Kubernetes CEL's `cidr()` library (in the
 * base environment since Kubernetes 1.30, so on every supported version);
 * an address it cannot parse makes the expression fail, and the policy
 * fails closed. `exemptions` are the platform's match conditions: the
 * platform and the kube-system controllers are not held.
 */
export function serviceGuard(scope: Construct, labels: Record<string, string>, exemptions: NamedExpression[], rules: () => string): void {
  const T = JSON.stringify(TENANT_LABEL);
  const A = JSON.stringify(SOURCE_RANGES_ANNOTATION);
  const host = 'variables.host';
  validatingPolicy(scope, SERVICE_POLICY_NAME, labels, {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }],
      namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
    },
    matchConditions: exemptions,
    variables: [
      { name: 'tenant', expression: `namespaceObject.metadata.labels[${T}]` },
      { name: 'all', expression: Lazy.any({ produce: rules }) },
      {
        name: 'rules',
        expression: 'variables.tenant in variables.all ? variables.all[variables.tenant] : {"externalIPs": [], "sourceRanges": [], "names": [], "suffixes": []}',
      },
      {
        name: 'ranges',
        expression: '(has(object.spec.loadBalancerSourceRanges) ? object.spec.loadBalancerSourceRanges : [])'
          + ` + (has(object.metadata.annotations) && ${A} in object.metadata.annotations`
          + ` ? object.metadata.annotations[${A}].split(',').map(r, r.trim()).filter(r, r != '') : [])`,
      },
      { name: 'host', expression: "has(object.spec.externalName) ? object.spec.externalName : ''" },
    ],
    validations: [
      {
        expression: '!has(object.spec.externalIPs) || object.spec.externalIPs.all(a, variables.rules.externalIPs.exists(c, cidr(c).containsIP(a)))',
        messageExpression: "'tenant ' + variables.tenant + ' may not set spec.externalIPs outside ' + (size(variables.rules.externalIPs) == 0 ? 'nothing (none are allowed)' : variables.rules.externalIPs.join(', '))"
          + " + ' (CVE-2020-8554: an external IP captures that address\\'s traffic cluster-wide)'",
        reason: 'Forbidden',
      },
      {
        expression: 'variables.ranges.all(r, variables.rules.sourceRanges.exists(c, cidr(c).containsCIDR(r)))',
        messageExpression: "'tenant ' + variables.tenant + ' may not open a load balancer to source ranges outside '"
          + " + (size(variables.rules.sourceRanges) == 0 ? 'nothing (none are allowed)' : variables.rules.sourceRanges.join(', '))"
          + ` + ' (spec.loadBalancerSourceRanges or the ${SOURCE_RANGES_ANNOTATION} annotation)'`,
        reason: 'Forbidden',
      },
      {
        expression: "!has(object.spec.type) || object.spec.type != 'ExternalName'"
          + ` || variables.rules.names.exists(n, ${host} == n || ${host} == n + '.')`
          + ` || variables.rules.suffixes.exists(s, ${host}.endsWith(s) || ${host}.endsWith(s + '.'))`,
        messageExpression: "'tenant ' + variables.tenant + ' may not create an ExternalName Service to ' + variables.host"
          + " + ': ExternalName Services are refused unless the platform allows their target'",
        reason: 'Forbidden',
      },
    ],
  });
}
