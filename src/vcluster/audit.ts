import { vclusterReleases, weakenedValues } from './internal/releases';
import { AuditFinding } from '../audit/audit-report';
import { CheckDefinition, finding } from '../audit/kit/check';
import { CONTROL_PLANE_OF_LABEL, POD_SECURITY_LABEL_PREFIX } from '../core/labels';

// The audit checks of virtual clusters (registered, in report order, in
// src/audit/internal/checks.ts).

/** The Pod Security label that decides what a namespace admits. */
const ENFORCE_LABEL = `${POD_SECURITY_LABEL_PREFIX}enforce`;

export const VCLUSTER_AUDIT_CHECKS: CheckDefinition[] = [
  {
    id: 'vcluster.values',
    title: 'Virtual clusters install into the tenant\'s own namespace and keep the values the library locks',
    run: (ctx) => {
      const releases = ctx.m.memo('vcluster-releases', () => vclusterReleases(ctx.m))
        .filter((r) => r.owner === ctx.tenant || (r.namespace !== undefined && ctx.namespaces.includes(r.namespace)));
      if (releases.length === 0) return undefined;
      return releases.flatMap((r) => {
        const out: AuditFinding[] = [];
        const host = r.namespace === undefined ? undefined : ctx.m.tenantOf(r.namespace);
        if (host === undefined) {
          out.push(finding(ctx, r.object, `installs a virtual cluster of tenant '${ctx.tenant}' into ${r.namespace === undefined ? 'no namespace' : `namespace ${r.namespace}, which no tenant owns`}: the tenant's isolation does not bind what it syncs`,
            `Set ${r.namespaceField} to a namespace of tenant '${ctx.tenant}'.`));
        } else if (r.owner !== undefined && r.owner !== host) {
          out.push(finding(ctx, r.object, `is tenant '${r.owner}'s virtual cluster (label ${CONTROL_PLANE_OF_LABEL}) but installs into namespace ${r.namespace} of tenant '${host}'`,
            `Set ${r.namespaceField} to a namespace of tenant '${r.owner}'.`));
        }
        for (const u of r.unseen) {
          out.push(finding(ctx, r.object, `takes values from ${u}, which the manifests do not hold: they could override the locked paths`, `Inline the values in ${r.valuesField}.`));
        }
        const enforce = r.namespace === undefined ? undefined : ctx.m.namespaceLabels.get(r.namespace)?.[ENFORCE_LABEL];
        for (const p of weakenedValues(r.values, enforce ?? 'restricted', r.valuesField)) out.push(finding(ctx, r.object, `values ${p.message}`, p.fix));
        return out;
      });
    },
  },
];
