import { DELETION_PROTECTION_POLICY_NAME } from './guard';
import { AuditFinding } from '../audit/audit-report';
import { CheckDefinition } from '../audit/kit/check';

/**
 * The lifecycle's audit check (registered, in report order, in
 * src/audit/internal/checks.ts).
 */
const DELETION_PROTECTION_CHECK: CheckDefinition = {
  id: 'lifecycle.deletion-protection',
  title: 'The tenant\'s namespaces and data cannot be deleted in one step (deletion-protection guard installed, bound, failing closed, selecting its namespaces)',
  run(ctx) {
    const policy = ctx.m.named('ValidatingAdmissionPolicy', DELETION_PROTECTION_POLICY_NAME)?.object;
    const binding = ctx.m.kind('ValidatingAdmissionPolicyBinding').find((b) => b.object.spec?.policyName === DELETION_PROTECTION_POLICY_NAME)?.object;
    const fix = 'Apply the platform chart (TenancyPlatform) of the same release as the tenants: it holds the guard.';
    const at = (o: any) => (ctx.source(o) ? { source: ctx.source(o) } : {});
    if (!policy) {
      return [{ object: `ValidatingAdmissionPolicy ${DELETION_PROTECTION_POLICY_NAME}`, message: 'is missing: one prune by the GitOps controller deletes the tenant with its data', fix }];
    }
    const findings: AuditFinding[] = [];
    if (policy.spec?.failurePolicy === 'Ignore') findings.push({ object: `ValidatingAdmissionPolicy ${DELETION_PROTECTION_POLICY_NAME}`, message: 'does not fail closed', fix: 'Set failurePolicy: Fail.', ...at(policy) });
    if (!binding) {
      findings.push({ object: `ValidatingAdmissionPolicyBinding for ${DELETION_PROTECTION_POLICY_NAME}`, message: 'is missing: a policy without its binding does nothing', fix });
    } else if (!(binding.spec?.validationActions ?? []).includes('Deny')) {
      findings.push({ object: `ValidatingAdmissionPolicyBinding ${binding.metadata?.name}`, message: 'does not deny', fix: 'Set validationActions: [Deny].', ...at(binding) });
    }
    const selected = new Set(ctx.m.namespacesSelectedBy(policy.spec?.matchConstraints?.namespaceSelector));
    for (const ns of ctx.namespaces.filter((n) => !selected.has(n))) {
      findings.push({ object: `Namespace ${ns}`, message: `is not selected by the namespaceSelector of ${DELETION_PROTECTION_POLICY_NAME}: its data is unprotected`, fix: 'Label it with the tenant label, as SoftTenant does.' });
    }
    return findings;
  },
};

/** The audit checks of a tenant's lifecycle. */
export const LIFECYCLE_AUDIT_CHECKS: CheckDefinition[] = [DELETION_PROTECTION_CHECK];
