import { TREE_LABEL_SUFFIX } from './internal/hnc';
import { CheckDefinition, finding } from '../audit/kit/check';
import { TENANT_LABEL } from '../core/labels';

// The audit checks of self-service namespaces under HNC (registered, in
// report order, in src/audit/internal/checks.ts).

export const SELF_SERVICE_AUDIT_CHECKS: CheckDefinition[] = [
  {
    id: 'namespace.hnc-tree',
    title: 'Namespaces created under the tenant\'s namespaces (HNC) carry the tenant label',
    run: (ctx) => {
      const misplaced = ctx.m.misplacedDescendants(ctx.tenant);
      const descendants = ctx.namespaces.some((ns) => Object.keys(ctx.m.namespaceLabels.get(ns) ?? {}).some((k) => k.endsWith(TREE_LABEL_SUFFIX) && k !== `${ns}${TREE_LABEL_SUFFIX}`));
      if (misplaced.length === 0 && !descendants) return undefined;
      return misplaced.map((ns) => {
        const label = ctx.m.namespaceLabels.get(ns)![TENANT_LABEL];
        return finding(ctx, ctx.m.named('Namespace', ns)!.object,
          `descends from a namespace of tenant '${ctx.tenant}' in HNC's tree but ${label ? `is labelled tenant '${label}'` : 'has no tenant label'}`,
          'Propagate the parent\'s labels (TenantSelfService\'s HierarchyConfiguration, HNC run with --managed-namespace-label) and apply the platform\'s self-service guard.');
      });
    },
  },
];
