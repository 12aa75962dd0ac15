import { Manifests, ref } from './model';
import { INHERITED_FROM_LABEL } from '../../core/hnc-labels';
import { AuditFinding } from '../audit-report';

/*
 * What a check is, and how it reports a finding. Every feature writes its
 * checks against this (in src/<feature>/audit.ts), and the audit runs them
 * in the order of src/audit/internal/checks.ts: the kit imports no feature,
 * so a feature's checks may import it without a circle.
 */

/** What every tenant check gets. */
export interface TenantContext {
  readonly m: Manifests;
  readonly tenant: string;
  readonly namespaces: string[];
  readonly source: (o: any) => string | undefined;
}

/** What every cluster-wide check gets. */
export interface ClusterContext {
  readonly m: Manifests;
  readonly source: (o: any) => string | undefined;
}

/** A check: its id and title are in every report, so they do not change. */
export interface CheckDefinition<C = TenantContext> {
  readonly id: string;
  readonly title: string;
  readonly benchmark?: string;
  /** Findings, or undefined when the check does not apply. */
  run(ctx: C): AuditFinding[] | undefined;
}

/** A check run once for the whole input. */
export type ClusterCheckDefinition = CheckDefinition<ClusterContext>;

/**
 * A finding on an object. A copy HNC propagated (label
 * hnc.x-k8s.io/inherited-from) is judged like any object of its namespace,
 * since it is what applies there, but the fix goes to its source: HNC
 * rewrites copies from it.
 */
export const finding = (ctx: TenantContext, o: any, message: string, fix: string): AuditFinding => {
  const source = typeof o === 'object' ? ctx.source(o) : undefined;
  const from: string | undefined = typeof o === 'object' ? o?.metadata?.labels?.[INHERITED_FROM_LABEL] : undefined;
  return {
    object: typeof o === 'string' ? o : ref(o),
    message: from ? `${message} (HNC's copy of ${o.kind} ${from}/${o.metadata?.name})` : message,
    fix: from ? `Fix the source in namespace ${from}: HNC rewrites its copies. ${fix}` : fix,
    ...(source ? { source } : {}),
  };
};
