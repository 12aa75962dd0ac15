import { IConstruct } from 'constructs';
import { invalidProp } from '../../core/errors';
import type { SoftTenant } from '../../tenant/soft-tenant';

/** A tenant's dedicated nodes, as the tenant holds them. */
type Placement = NonNullable<SoftTenant['_placement']>;

/*
 * A virtual cluster on a tenant with dedicated nodes (issue #16).
 *
 * The placement guard refuses a pod in the tenant's namespaces unless it
 * tolerates the tenant's taint AND requires the tenant's node label by a
 * required node affinity term. The library's values can give the control
 * plane's StatefulSet both (`controlPlane.statefulSet.scheduling`), and every
 * synced pod the toleration (`sync.toHost.pods.enforceTolerations`). Nothing
 * in the open-source chart or syncer of vcluster 0.36.1 can give a synced
 * pod the node affinity: the pod translator copies the virtual pod's own
 * node affinity and node selector (pkg/controllers/resources/pods/translate/
 * translator.go), adds the enforced tolerations, and sets a node selector
 * only from `sync.fromHost.nodes.selector.labels` (the nodes sync: a
 * ClusterRole on the host's nodes, locked off here, and a node selector is
 * not the affinity the guard requires); `sync.toHost.pods.patches` is a
 * vCluster Pro feature (pkg/pro/patches.go returns a feature error); hybrid
 * scheduling and the virtual scheduler need the nodes sync. So with a
 * placement engine that only validates, every workload the tenant runs in
 * its virtual cluster is refused on the host unless the tenant writes the
 * affinity into each of them by hand, inside a cluster where it sees only
 * fake nodes. A mutating engine (Kyverno, Gatekeeper) adds the affinity to
 * every pod created in the tenant's namespaces, the syncer's included.
 */

/**
 * Refuses a virtual cluster on a tenant with dedicated nodes whose platform's
 * placement engine cannot add the node affinity to the pods the syncer
 * creates. Called when the second of the two extensions is applied.
 */
export function checkVirtualClusterPlacement(scope: IConstruct, tenant: string, engine: { readonly name: string; readonly mutates: boolean }): void {
  if (engine.mutates) return;
  throw invalidProp(scope, 'placementEngine', engine.name,
    `cannot place a virtual cluster's pods: tenant '${tenant}' has dedicated nodes (TenantPlacement) and a VirtualTenantCluster, whose syncer creates pods`
    + ' with the tenant\'s toleration but no node affinity (vcluster cannot add one), so the placement guard refuses every one of them.',
    'Use a mutating engine, which adds the affinity: TenancyPlatformProps.placementEngine PlacementEngine.kyverno() or PlacementEngine.gatekeeper().');
}

/**
 * The values that put the virtual cluster on the tenant's dedicated nodes:
 * the control plane's StatefulSet tolerates and requires them, and every
 * synced pod gets the toleration (vcluster's toleration syntax,
 * `key=value:effect`, parsed by pkg/util/toleration). The affinity of synced
 * pods comes from the mutating placement engine (see above).
 */
export function placementValues(placement: Placement | undefined): Record<string, unknown> {
  if (!placement) return {};
  const { toleration, nodeSelectorTerm } = placement;
  return {
    controlPlane: {
      statefulSet: {
        scheduling: {
          tolerations: [toleration],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [nodeSelectorTerm] } } },
        },
      },
    },
    sync: { toHost: { pods: { enforceTolerations: [`${toleration.key}=${toleration.value}:${toleration.effect}`] } } },
  };
}
