import { TENANT_BUDGET_ANNOTATION } from './tenant-quota';
import { parseQuantity } from '../core/quantity';

/*
 * The audit check of a tenant's budget, self-contained (structural types
 * only, no import of the audit engine) so that it can live with the
 * feature: the audit's check list takes it as it is.
 */

interface BudgetCheckContext {
  readonly m: { inNamespace(kind: string, namespace: string): { object: any }[] };
  readonly tenant: string;
  readonly namespaces: string[];
  readonly source: (o: any) => string | undefined;
}

/**
 * `quota.tenant-budget`: the tenant-quota ResourceQuotas of a tenant's
 * namespaces sum, key by key, to no more than the tenant's budget (the
 * annotation SoftTenant writes on each of them). A hand edit in a GitOps
 * repository that raises one namespace's quota past its share fails here;
 * no single object shows it, and no admission guard sees all namespaces.
 * Does not apply to tenants without a budget annotation.
 */
export const TENANT_BUDGET_CHECK = {
  id: 'quota.tenant-budget',
  title: "The quotas of a tenant's namespaces fit within its budget",
  run: (ctx: BudgetCheckContext) => {
    const quotas = ctx.namespaces.flatMap((ns) => ctx.m.inNamespace('ResourceQuota', ns).map((o) => o.object)
      .filter((q) => q?.metadata?.annotations?.[TENANT_BUDGET_ANNOTATION] !== undefined));
    if (quotas.length === 0) return undefined;
    const findings: { object: string; message: string; fix: string; source?: string }[] = [];
    const budgets = new Set(quotas.map((q) => q.metadata.annotations[TENANT_BUDGET_ANNOTATION]));
    const where = (q: any) => `ResourceQuota ${q.metadata.namespace}/${q.metadata.name}`;
    const withSource = (q: any, f: { object: string; message: string; fix: string }) => {
      const source = ctx.source(q);
      return source ? { ...f, source } : f;
    };
    if (budgets.size > 1) {
      return quotas.map((q) => withSource(q, { object: where(q), message: `carries one of ${budgets.size} different budgets of tenant '${ctx.tenant}'`, fix: 'Synthesize the tenant again: every namespace quota carries the same budget.' }));
    }
    let budget: Record<string, string>;
    try {
      budget = JSON.parse([...budgets][0]);
    } catch {
      return [withSource(quotas[0], { object: where(quotas[0]), message: `has a ${TENANT_BUDGET_ANNOTATION} annotation that is not JSON`, fix: 'Synthesize the tenant again.' })];
    }
    for (const [key, total] of Object.entries(budget)) {
      const limit = parseQuantity(String(total));
      const parts = quotas.map((q) => ({ q, value: q.spec?.hard?.[key] }));
      const uncapped = parts.filter((p) => p.value === undefined);
      for (const p of uncapped) {
        findings.push(withSource(p.q, { object: where(p.q), message: `has no ${key}, which the tenant's budget caps at ${total}`, fix: `Set ${key} within the budget.` }));
      }
      const sum = parts.reduce((s, p) => s + (p.value === undefined ? 0 : parseQuantity(String(p.value)) ?? Infinity), 0);
      if (limit !== undefined && sum > limit * (1 + 1e-12)) {
        const list = parts.filter((p) => p.value !== undefined).map((p) => `${p.q.metadata.namespace} ${p.value}`).join(', ');
        findings.push({ object: `Tenant ${ctx.tenant}`, message: `its namespaces' quotas of ${key} (${list}) exceed the tenant's budget of ${total}`, fix: "Lower a namespace's quota or raise the budget (SoftTenant budget and profiles), then synthesize again." });
      }
    }
    return findings;
  },
};
