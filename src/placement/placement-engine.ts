import { Construct } from 'constructs';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, TENANT_LABEL } from '../core/labels';
import { gatekeeperGuard, gatekeeperMutation } from './internal/gatekeeper';
import { kyvernoGuard, kyvernoMutatingPolicy, kyvernoMutation, kyvernoValidatingPolicy } from './internal/kyverno';
import type { PlacementTerms } from './internal/terms';
import { vapGuard } from './internal/vap';

/**
 * The name of the placement guard that keeps pods on the nodes of their own
 * tenant: the ValidatingAdmissionPolicy and its binding, the Kyverno
 * ValidatingPolicy (or legacy ClusterPolicy) or the Gatekeeper Constraint,
 * by engine.
 */
export { PLACEMENT_POLICY_NAME } from './internal/rules';

/**
 * The name of the node label guard (a ValidatingAdmissionPolicy and its
 * binding, whatever the placement engine): kubelets may not change the
 * tenant label on their own Node. Added for tenants whose placement uses
 * `PlacementNodeLabel.kubeletLabel()`.
 */
export { NODE_LABELS_POLICY_NAME } from './internal/node-label-guard';

/**
 * The admission engine that holds pods to their tenant's dedicated nodes
 * (seed 003, part 3), one for the whole cluster, chosen on
 * `TenancyPlatformProps.placementEngine`.
 *
 * Every engine runs the same validation rules (one CEL text): pods outside a
 * tenant may not tolerate its taint or every taint, no pod may pick its node
 * (`spec.nodeName`), and a tenant's pods must tolerate and require its
 * nodes, and no other tenant's. The mutating engines also add the
 * toleration and the node affinity to the tenant's pods, so workloads need
 * no `TenantPlacement.applyTo`. Each engine fails closed.
 *
 * @example
 * import { App } from 'cdk8s';
 * import { PlacementEngine, TenancyPlatform } from 'cdk8s-tenancy';
 *
 * const app = new App();
 * new TenancyPlatform(app, 'platform', { placementEngine: PlacementEngine.kyverno() });
 */
export class PlacementEngine {
  /**
   * A ValidatingAdmissionPolicy (Kubernetes 1.30+): run by the API server,
   * no webhook to install or keep up. Validates only: workloads place
   * themselves with `TenantPlacement.applyTo`.
   */
  public static validatingAdmissionPolicy(): PlacementEngine {
    return new PlacementEngine('ValidatingAdmissionPolicy', false);
  }

  /**
   * Kyverno (1.16 and later) with its CEL policies (policies.kyverno.io/v1):
   * one ValidatingPolicy running the shared CEL rules, and per tenant a
   * MutatingPolicy that adds its toleration and node affinity to the pods
   * of its namespaces.
   */
  public static kyverno(): PlacementEngine {
    return new PlacementEngine('Kyverno', true, 'cel');
  }

  /**
   * Kyverno's legacy ClusterPolicies (kyverno.io/v1, Kyverno 1.13 to 1.19):
   * one validating with the shared CEL rules (`validate.cel`), and per
   * tenant one adding the toleration and node affinity (JSON patches).
   * Kyverno deprecated ClusterPolicy in 1.17 and plans to remove it in 1.20:
   * only for clusters that cannot run the CEL policies yet.
   */
  public static kyvernoLegacyClusterPolicy(): PlacementEngine {
    return new PlacementEngine('Kyverno', true, 'cluster-policy');
  }

  /**
   * OPA Gatekeeper (3.22+): a ConstraintTemplate with the shared CEL rules
   * and its Constraint, and per tenant two `Assign` mutators (toleration and
   * node affinity), as in seed 003.
   */
  public static gatekeeper(): PlacementEngine {
    return new PlacementEngine('Gatekeeper', true);
  }

  private constructor(
    /** The engine's name, as its project spells it. */
    public readonly name: string,
    /** Whether the engine adds the toleration and node affinity to the tenant's pods itself. */
    public readonly mutates: boolean,
    /** The kind of policy, for engines with more than one. */
    /** @internal */ public readonly _flavour?: 'cel' | 'cluster-policy',
  ) {}

  /**
   * Adds the cluster-wide guard to the platform chart.
   *
   * @internal
   */
  public _addGuard(scope: Construct, exemptNamespaces: string[]): void {
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
    switch (this.name) {
      case 'Kyverno': return this._flavour === 'cel' ? kyvernoValidatingPolicy(scope, labels, exemptNamespaces) : kyvernoGuard(scope, labels, exemptNamespaces);
      case 'Gatekeeper': return gatekeeperGuard(scope, labels, exemptNamespaces);
      default: return vapGuard(scope, labels, exemptNamespaces);
    }
  }

  /**
   * Adds a tenant's mutation, in the tenant's own chart (so a GitOps file
   * per tenant holds it), if the engine mutates.
   *
   * @internal
   */
  public _addMutation(scope: Construct, placement: PlacementTerms): void {
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [TENANT_LABEL]: placement.tenant };
    switch (this.name) {
      case 'Kyverno': return this._flavour === 'cel' ? kyvernoMutatingPolicy(scope, labels, placement) : kyvernoMutation(scope, labels, placement);
      case 'Gatekeeper': return gatekeeperMutation(scope, labels, placement);
      default: return;
    }
  }
}
