/**
 * What an engine's objects need of a tenant's placement. A `TenantPlacement`
 * is one; the engines take this shape instead, so that they need not import
 * the construct that uses them.
 */
export interface PlacementTerms {
  /** The tenant the nodes are dedicated to. */
  readonly tenant: string;
  /** The toleration the tenant's pods carry. */
  readonly toleration: { readonly key: string; readonly operator: string; readonly value: string; readonly effect: string };
  /** The required node affinity term that attracts the tenant's pods to its nodes. */
  readonly nodeSelectorTerm: any;
}
