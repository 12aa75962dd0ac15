import { GUARDRAILS_POLICY_NAME } from './guardrails';
import { AuditFinding } from '../audit/audit-report';
import { ClusterCheckDefinition } from '../audit/kit/check';
import { ref } from '../audit/kit/model';
import { MANAGED_BY_LABEL } from '../core/labels';

// The audit checks of the platform's own guard (registered, in report
// order, in src/audit/internal/checks.ts). The audit kit is not a feature:
// importing it keeps the platform ignorant of every feature.

export const PLATFORM_AUDIT_CHECKS: ClusterCheckDefinition[] = [
  {
    id: 'cluster.guardrails',
    title: 'The admission guard protecting the tenancy objects is installed and bound',
    run: ({ m, source }) => {
      // Nothing to protect: no tenant, and no namespace the library manages.
      const managed = m.kind('Namespace').some((n) => n.object.metadata?.labels?.[MANAGED_BY_LABEL]);
      if (m.tenants.size === 0 && !managed) return undefined;
      const policy = m.kind('ValidatingAdmissionPolicy').find((p) => p.object.metadata?.name === GUARDRAILS_POLICY_NAME)?.object;
      const binding = m.kind('ValidatingAdmissionPolicyBinding').find((b) => b.object.spec?.policyName === GUARDRAILS_POLICY_NAME)?.object;
      const findings: AuditFinding[] = [];
      const fix = 'Apply the platform chart (TenancyPlatform) with the tenants.';
      if (!policy) findings.push({ object: `ValidatingAdmissionPolicy ${GUARDRAILS_POLICY_NAME}`, message: 'is missing: tenants are held back by RBAC alone', fix });
      // failurePolicy defaults to Fail in admissionregistration.k8s.io/v1.
      else if (policy.spec?.failurePolicy === 'Ignore') findings.push({ object: ref(policy), message: 'does not fail closed', fix: 'Set failurePolicy: Fail.', ...(source(policy) ? { source: source(policy) } : {}) });
      if (!binding) findings.push({ object: `ValidatingAdmissionPolicyBinding for ${GUARDRAILS_POLICY_NAME}`, message: 'is missing: a policy without its binding does nothing', fix });
      else if (!(binding.spec?.validationActions ?? []).includes('Deny')) findings.push({ object: ref(binding), message: 'does not deny', fix: 'Set validationActions: [Deny].' });
      return findings;
    },
  },
];
