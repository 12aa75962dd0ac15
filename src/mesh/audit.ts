import { AuditFinding } from '../audit/audit-report';
import { CheckDefinition, finding } from '../audit/kit/check';
import { selects } from '../audit/kit/selectors';

// The audit checks of the per-tenant Istio control plane (registered, in
// report order, in src/audit/internal/checks.ts).

export const MESH_AUDIT_CHECKS: CheckDefinition[] = [
  {
    id: 'mesh.control-plane',
    title: 'Mesh: the tenant control plane discovers and injects only the tenant\'s namespaces',
    run: (ctx) => {
      const planes = ['IstioOperator', 'Istio', 'IstioRevision'].flatMap((k) => ctx.m.kind(k)).map((o) => o.object);
      if (planes.length === 0) return undefined;
      const out: AuditFinding[] = [];
      // A plane's revision and discovery selectors, wherever its kind keeps them.
      const describe = (p: any) => {
        const meshConfig = p.kind === 'IstioOperator' ? p.spec?.meshConfig : p.spec?.values?.meshConfig;
        const revision = p.kind === 'IstioOperator' ? p.spec?.revision : p.spec?.values?.revision ?? p.metadata?.name;
        return { revision, selectors: meshConfig?.discoverySelectors as any[] | undefined };
      };
      const revisions = new Set(ctx.namespaces.map((ns) => ctx.m.namespaceLabels.get(ns)?.['istio.io/rev']));
      // A tenant outside the mesh: nothing to check here (a control plane that
      // discovers its namespaces fails the check of that control plane's tenant).
      if (revisions.size === 1 && revisions.has(undefined)) return undefined;
      const revision = [...revisions][0];
      if (revisions.size !== 1 || revision === undefined) {
        out.push(finding(ctx, `Namespace ${ctx.namespaces.join(', ')}`, 'do not all carry one istio.io/rev label', 'Label every tenant namespace with the revision of the tenant\'s control plane.'));
        return out;
      }
      // The first plane of each revision, looked up once for every tenant.
      const byRevision = ctx.m.memo('mesh-planes', () => {
        const first = new Map<unknown, any>();
        for (const p of planes) if (!first.has(describe(p).revision)) first.set(describe(p).revision, p);
        return first;
      });
      const plane = byRevision.get(revision);
      if (!plane) {
        out.push(finding(ctx, `Namespace ${ctx.namespaces[0]}`, `is injected by revision '${revision}', which no control plane in the manifests has`, 'Add the tenant\'s control plane, or fix the label.'));
        return out;
      }
      const { selectors } = describe(plane);
      if (!selectors || selectors.length === 0) {
        out.push(finding(ctx, plane, 'has no discoverySelectors: its istiod sees every namespace of the cluster', 'Set meshConfig.discoverySelectors to the tenant label.'));
        return out;
      }
      for (const ns of ctx.namespaces) {
        if (!selectors.some((s) => selects(s, ctx.m.namespaceLabels.get(ns)!))) {
          out.push(finding(ctx, plane, `does not discover the tenant's namespace ${ns}`, 'Select the tenant by its tenant label.'));
        }
      }
      // The selectors are looked up in the namespace label index: a tenant's
      // control plane costs what it selects, not every namespace.
      for (const ns of [...new Set(selectors.flatMap((s) => ctx.m.namespacesSelectedBy(s)))].sort()) {
        if (!ctx.namespaces.includes(ns) && ctx.m.tenantOf(ns) !== undefined) {
          out.push(finding(ctx, plane, `discovers namespace ${ns} of tenant '${ctx.m.tenantOf(ns)}'`, 'Select by the tenant label, which tenants cannot set.'));
        }
      }
      for (const ns of ctx.m.namespacesSelectedBy({ matchLabels: { 'istio.io/rev': revision } })) {
        if (!ctx.namespaces.includes(ns) && ctx.m.tenantOf(ns) !== undefined) {
          out.push(finding(ctx, `Namespace ${ns}`, `belongs to tenant '${ctx.m.tenantOf(ns)}' but is injected by '${ctx.tenant}'s revision '${revision}'`, 'Give each tenant its own revision.'));
        }
      }
      return out;
    },
  },
];
