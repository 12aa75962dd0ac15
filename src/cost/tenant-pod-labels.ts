import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { isProtectedKey } from '../core/keys';
import { TENANT_LABEL } from '../core/labels';
import { checkLabel } from '../core/names';
import { CelMutation, kyvernoMutatingPolicy, mutatingAdmissionPolicy } from '../placement/internal/cel-mutations';
import { boundedName } from '../placement/internal/names';
import type { PlacementEngine } from '../placement/placement-engine';

/** The prefix of the names of the pod-label mutations, one per tenant (and per label for Gatekeeper). */
export const POD_LABELS_POLICY_NAME = 'cdk8s-tenancy-pod-labels';

/**
 * Labels the platform puts on every pod created in a tenant's namespaces,
 * for cost attribution: the tenant label always, and the platform's own
 * (a cost centre, a business unit). Cost tools (Kubecost, OpenCost, the
 * split cost allocation data of AWS Cost and Usage Reports) read pod labels;
 * namespace labels alone are not enough for them.
 *
 * The mutation runs in the platform's admission engine
 * (`TenancyPlatformProps.placementEngine`): a Kyverno MutatingPolicy or
 * ClusterPolicy, Gatekeeper `AssignMetadata`, or, with the default
 * ValidatingAdmissionPolicy engine, a `MutatingAdmissionPolicy`
 * (admissionregistration.k8s.io/v1, Kubernetes 1.36 or newer, where it is
 * GA and on by default). Kyverno and the MutatingAdmissionPolicy set the
 * labels whatever the pod says; Gatekeeper's `AssignMetadata` only adds
 * labels a pod does not have (Gatekeeper never changes existing metadata),
 * so with Gatekeeper a tenant can pre-set its own value.
 *
 * @example
 * import { Chart } from 'cdk8s';
 * import { SoftTenant, TenantPodLabels } from 'cdk8s-tenancy';
 *
 * declare const chart: Chart;
 * new SoftTenant(chart, 'TeamA', {
 *   name: 'team-a',
 *   podLabels: TenantPodLabels.of({ 'example.com/cost-centre': 'cc-1234' }),
 * });
 */
export class TenantPodLabels {
  /**
   * The tenant label, and `extra` labels, on every pod created in the
   * tenant's namespaces.
   *
   * @param extra platform-chosen labels, e.g. `{ 'example.com/cost-centre': 'cc-1234' }`; the library's own keys are refused
   */
  public static of(extra?: { [key: string]: string }): TenantPodLabels {
    return new TenantPodLabels(extra ?? {});
  }

  private constructor(/** @internal */ public readonly _extra: { [key: string]: string }) {}

  /**
   * Checks the labels and the engine (before the tenant creates anything)
   * and returns what adds the mutation to the tenant's chart.
   *
   * @internal
   */
  public _check(scope: IConstruct, prop: string, engine: PlacementEngine): PodLabelsCreator {
    if (typeof this._extra !== 'object' || this._extra === null || Array.isArray(this._extra)) {
      throw invalidProp(scope, prop, this._extra, 'must be a map of label keys to values.');
    }
    for (const [key, value] of Object.entries(this._extra)) {
      checkLabel(scope, prop, key, value);
      if (isProtectedKey(key)) {
        throw invalidProp(scope, prop, key, "is one of the library's own keys (cdk8s-tenancy.io/*, pod-security.kubernetes.io/*): the tenant label is always set, the others are not for pods.");
      }
    }
    const extra = { ...this._extra };
    return (chart, tenant, managed) => {
      const labels = { [TENANT_LABEL]: tenant, ...extra };
      const selector = { matchLabels: { [TENANT_LABEL]: tenant } };
      const name = boundedName(POD_LABELS_POLICY_NAME, tenant);
      const meta = { name, labels: managed };
      switch (engine.name) {
        case 'Kyverno':
          // Pods only: a rule for Deployments would rewrite templates a GitOps controller owns.
          return engine._flavour === 'cel'
            ? kyvernoMutatingPolicy(chart, cel(meta, selector, labels), { autogen: { podControllers: { controllers: [] } } })
            : kyvernoClusterPolicy(chart, meta, selector, labels);
        case 'Gatekeeper':
          return gatekeeperAssignMetadata(chart, meta, selector, labels);
        default:
          // Fails closed: a pod the API server could not label would be charged to nobody.
          return mutatingAdmissionPolicy(chart, cel(meta, selector, labels));
      }
    };
  }
}

/** An RFC 6901 pointer segment: label keys hold '/'. */
const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * One CEL expression of JSON patches, for the MutatingAdmissionPolicy and
 * Kyverno's MutatingPolicy alike: the whole map when the pod has no labels
 * (RFC 6902 needs the parent to exist), otherwise one `add` per label,
 * which replaces a value the pod set.
 */
function labelPatches(labels: Record<string, string>): string {
  const patch = (path: string, value: string) => `JSONPatch{op: "add", path: ${JSON.stringify(path)}, value: ${value}}`;
  const all = `{${Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
  const each = Object.entries(labels).map(([k, v]) => patch(`/metadata/labels/${pointer(k)}`, JSON.stringify(v)));
  return `!has(object.metadata.labels) ? [${patch('/metadata/labels', all)}] : [${each.join(', ')}]`;
}

const POD_RULES = { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] };

type Meta = { name: string; labels: Record<string, string> };

const cel = (metadata: Meta, namespaceSelector: object, labels: Record<string, string>): CelMutation => ({
  id: 'PodLabels', metadata, resourceRules: [POD_RULES], namespaceSelector, patch: labelPatches(labels),
});

/** Adds a tenant's pod-label mutation to its chart; `managed` labels the mutation objects themselves. */
export type PodLabelsCreator = (chart: Construct, tenant: string, managed: Record<string, string>) => void;

function kyvernoClusterPolicy(scope: Construct, metadata: Meta, namespaceSelector: object, labels: Record<string, string>): void {
  // Kyverno creates missing parents on `add`, so one patch per label.
  const patches = Object.entries(labels).map(([k, v]) => ({ op: 'add', path: `/metadata/labels/${pointer(k)}`, value: v }));
  new ApiObject(scope, 'PodLabelsPolicy', {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata,
    spec: {
      background: false,
      webhookConfiguration: { failurePolicy: 'Fail' },
      rules: [{
        name: 'pod-labels',
        match: { any: [{ resources: { kinds: ['Pod'], operations: ['CREATE'], namespaceSelector } }] },
        skipBackgroundRequests: true,
        mutate: { patchesJson6902: JSON.stringify(patches) },
      }],
    },
  });
}

function gatekeeperAssignMetadata(scope: Construct, metadata: Meta, namespaceSelector: object, labels: Record<string, string>): void {
  Object.entries(labels).forEach(([key, value], i) => {
    new ApiObject(scope, `PodLabel${i}`, {
      apiVersion: 'mutations.gatekeeper.sh/v1',
      kind: 'AssignMetadata',
      metadata: { ...metadata, name: `${metadata.name.slice(0, 59).replace(/-+$/, '')}-${i}` },
      spec: {
        match: { scope: 'Namespaced', kinds: [{ apiGroups: [''], kinds: ['Pod'] }], namespaceSelector },
        location: `metadata.labels."${key}"`,
        parameters: { assign: { value } },
      },
    });
  });
}
