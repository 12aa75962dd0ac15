import { ApiObject, Size } from 'cdk8s';
import { Cpu, LabeledNode, NodeLabelQuery, NodeTaintQuery, PodScheduling, TaintedNode, TaintEffect } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import {
  DEDICATED_NODES_KUBELET_LABEL, DEDICATED_NODES_LABEL, DEDICATED_NODES_NODE_RESTRICTION, MANAGED_BY_LABEL, MANAGED_BY_VALUE,
  NODE_RESTRICTION_TENANT_LABEL, TENANT_LABEL,
} from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { quantity } from '../core/quantity';
import { nodeLabelGuard, NODE_LABELS_POLICY_NAME } from './internal/node-label-guard';
import { PLACEMENT_POLICY_NAME } from './internal/rules';
import { awsEffect } from './internal/taint-effect';
import { ITenantExtension, SoftTenant } from '../tenant/soft-tenant';

/**
 * The node label that attracts a tenant's pods to its dedicated nodes, by
 * who can set it (issue #16): a label a kubelet may set on its own Node lets
 * a compromised shared node call itself the tenant's and attract its pods.
 */
export class PlacementNodeLabel {
  /**
   * `node-restriction.kubernetes.io/cdk8s-tenancy-tenant=<tenant>`
   * (`NODE_RESTRICTION_TENANT_LABEL`): the NodeRestriction admission plugin
   * refuses any kubelet that sets, changes or removes it on its own Node, at
   * registration or later, so only the platform's identities can put it
   * there. Karpenter and EKS Auto Mode do: their controller copies a
   * NodePool's template labels onto the Node after the kubelet registered
   * it (`TenantPlacement.addKarpenterNodePool`). EKS managed node groups
   * cannot: their API rejects labels under `kubernetes.io/`, and a kubelet
   * refuses to start with one in `--node-labels`.
   */
  public static nodeRestriction(): PlacementNodeLabel {
    return new PlacementNodeLabel(NODE_RESTRICTION_TENANT_LABEL);
  }

  /**
   * `cdk8s-tenancy.io/tenant=<tenant>` (`TENANT_LABEL`), which the kubelet
   * sets on its Node when it registers (`--node-labels`): the only label an
   * EKS managed node group (`aws.SoleTenantNodePool`) can give its nodes
   * without a controller of its own, and what every release before the
   * node-restriction label used.
   *
   * Weaker, and held by a guard: the platform adds a
   * ValidatingAdmissionPolicy (`cdk8s-tenancy-node-labels`) that refuses a
   * kubelet adding, changing or removing this label on its existing Node,
   * and NodeRestriction refuses it changing its taints. What stays open: a
   * kubelet whose Node object was deleted (by an administrator or a
   * controller) registers again with whatever labels and taints it likes,
   * so a compromised shared node whose Node is deleted can come back as a
   * tenant's node. Choose it only for node groups, and prefer Karpenter or
   * EKS Auto Mode NodePools for tenants that need the boundary to hold.
   */
  public static kubeletLabel(): PlacementNodeLabel {
    return new PlacementNodeLabel(TENANT_LABEL);
  }

  private constructor(
    /** The node label key; its value is the tenant. */
    public readonly key: string,
  ) {}

  /** Whether kubelets can set it on themselves (at registration). */
  public get kubeletSettable(): boolean {
    return this.key !== NODE_RESTRICTION_TENANT_LABEL;
  }
}

/**
 * Options for a {@link TenantPlacement}.
 */
export interface TenantPlacementOptions {
  /**
   * The effect of the taint on the tenant's nodes.
   *
   * @default TaintEffect.NO_SCHEDULE
   */
  readonly effect?: TaintEffect;

  /**
   * The node label that attracts the tenant's pods to its nodes.
   * `aws.SoleTenantNodePool` (EKS managed node groups) needs
   * `PlacementNodeLabel.kubeletLabel()`.
   *
   * @default PlacementNodeLabel.nodeRestriction()
   */
  readonly nodeLabel?: PlacementNodeLabel;
}

/**
 * The node class a Karpenter NodePool launches nodes from.
 */
export class KarpenterNodeClass {
  /**
   * EKS Auto Mode's built-in node class (`eks.amazonaws.com/NodeClass`).
   *
   * @param name @default 'default'
   */
  public static eksAutoMode(name: string = 'default'): KarpenterNodeClass {
    return new KarpenterNodeClass('eks.amazonaws.com', 'NodeClass', name);
  }

  /**
   * A self-managed Karpenter `EC2NodeClass` (`karpenter.k8s.aws`).
   */
  public static ec2NodeClass(name: string): KarpenterNodeClass {
    return new KarpenterNodeClass('karpenter.k8s.aws', 'EC2NodeClass', name);
  }

  private constructor(
    /** @internal */ public readonly _group: string,
    /** @internal */ public readonly _kind: string,
    /** @internal */ public readonly _name: string,
  ) {}
}

/**
 * Options for a tenant's Karpenter NodePool.
 */
export interface KarpenterNodePoolOptions {
  /**
   * Where nodes come from.
   *
   * @default KarpenterNodeClass.eksAutoMode()
   */
  readonly nodeClass?: KarpenterNodeClass;

  /**
   * The most CPU the tenant's nodes may add up to.
   *
   * @default Cpu.units(64)
   */
  readonly limitsCpu?: Cpu;

  /**
   * The most memory the tenant's nodes may add up to.
   *
   * @default Size.gibibytes(256)
   */
  readonly limitsMemory?: Size;
}

/**
 * A toleration as it lands in a pod spec.
 */
export interface PlacementToleration {
  /** The taint key. */
  readonly key: string;
  /** Always `Equal`: `Exists` would tolerate every tenant's nodes. */
  readonly operator: string;
  /** The tenant. */
  readonly value: string;
  /** The taint effect. */
  readonly effect: string;
}

/**
 * Dedicated nodes for one tenant (seed 003, "Isolating tenant workloads to
 * specific nodes", parts 1–3), derived from one value so that its three
 * parts cannot drift apart:
 *
 * - the nodes carry the taint `cdk8s-tenancy.io/tenant=<tenant>` and the
 *   node label `node-restriction.kubernetes.io/cdk8s-tenancy-tenant=<tenant>`,
 *   which kubelets cannot set on themselves (or, for node groups, the
 *   kubelet-set `cdk8s-tenancy.io/tenant`: see {@link PlacementNodeLabel});
 * - the tenant's pods tolerate that taint and require that label (node
 *   affinity);
 * - the platform's placement guard rejects pods outside the tenant that
 *   tolerate its taint or every taint, pods that pick a node themselves
 *   (`spec.nodeName`), and tenant pods that point at another tenant's nodes
 *   or lack the toleration and affinity. Its engine is the platform's
 *   `placementEngine`: a ValidatingAdmissionPolicy (the default), Kyverno or
 *   Gatekeeper; the last two also add the toleration and affinity to the
 *   tenant's pods.
 *
 * The seeds warn that a tenant can add a toleration itself (seed 001): the
 * guard is what makes the taint a boundary rather than a hint.
 *
 * @example
 * import { SoftTenant, TenantPlacement } from 'cdk8s-tenancy';
 *
 * declare const tenant: SoftTenant;
 * tenant.addExtension(TenantPlacement.forTenant('team-a'));
 */
export class TenantPlacement implements ITenantExtension {
  /**
   * The placement of `tenant` on its dedicated nodes.
   */
  public static forTenant(tenant: string, options: TenantPlacementOptions = {}): TenantPlacement {
    return new TenantPlacement(tenant, options.effect ?? TaintEffect.NO_SCHEDULE, options.nodeLabel ?? PlacementNodeLabel.nodeRestriction());
  }

  /**
   * The kind of extension: a tenant has at most one placement.
   */
  public readonly extensionKind = 'placement';

  private constructor(
    /** The tenant the nodes are dedicated to. */
    public readonly tenant: string,
    /** The Kubernetes effect of the nodes' taint. */
    public readonly effect: TaintEffect,
    /** The node label that attracts the tenant's pods. */
    public readonly nodeLabel: PlacementNodeLabel,
  ) {}

  /**
   * The labels of the tenant's nodes: the attracting label, and the tenant
   * label (which, with the node-restriction label, attracts nothing: it
   * names the tenant for selectors, costs and the audit).
   */
  public get nodeLabels(): { [key: string]: string } {
    return { [TENANT_LABEL]: this.tenant, [this.nodeLabel.key]: this.tenant };
  }

  /**
   * The taint key of the tenant's nodes (the tenant label key).
   */
  public get taintKey(): string {
    return TENANT_LABEL;
  }

  /**
   * The taint effect as the EKS API spells it (`NO_SCHEDULE`...), for node
   * groups.
   */
  public get awsTaintEffect(): string {
    return awsEffect(this.effect)!;
  }

  /**
   * The toleration the tenant's pods carry.
   */
  public get toleration(): PlacementToleration {
    return { key: TENANT_LABEL, operator: 'Equal', value: this.tenant, effect: this.effect };
  }

  /**
   * The required node affinity term that attracts the tenant's pods to its
   * nodes, as it lands in `nodeSelectorTerms`.
   */
  public get nodeSelectorTerm(): any {
    return { matchExpressions: [{ key: this.nodeLabel.key, operator: 'In', values: [this.tenant] }] };
  }

  /**
   * Places a cdk8s-plus workload (Deployment, StatefulSet, Job, Pod...) on
   * the tenant's nodes: tolerates their taint and requires their label.
   */
  public applyTo(scheduling: PodScheduling): void {
    scheduling.tolerate(new TaintedNode([NodeTaintQuery.is(TENANT_LABEL, this.tenant, { effect: this.effect })]));
    scheduling.attract(new LabeledNode([NodeLabelQuery.is(this.nodeLabel.key, this.tenant)]));
  }

  /**
   * Emits a Karpenter `NodePool` (karpenter.sh/v1) whose nodes carry the
   * tenant's labels and taint: the common way to get per-tenant nodes with
   * EKS Auto Mode or Karpenter. Nodes scale with the tenant's pods, within
   * the limits. Karpenter allows `node-restriction.kubernetes.io/` labels
   * on the template and sets them on the Node from its controller, not
   * through the kubelet, so the NodeRestriction plugin lets them through.
   */
  public addKarpenterNodePool(scope: Construct, id: string, options: KarpenterNodePoolOptions = {}): ApiObject {
    this._check(scope);
    const nodeClass = options.nodeClass ?? KarpenterNodeClass.eksAutoMode();
    const cpu = quantity(scope, 'limitsCpu', (options.limitsCpu ?? Cpu.units(64)).amount);
    const memory = quantity(scope, 'limitsMemory', (options.limitsMemory ?? Size.gibibytes(256)).asString());
    checkDnsLabel(scope, 'nodeClass name', nodeClass._name);
    return new ApiObject(scope, id, {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: `tenant-${this.tenant}`, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [TENANT_LABEL]: this.tenant } },
      spec: {
        template: {
          metadata: { labels: this.nodeLabels },
          spec: {
            nodeClassRef: { group: nodeClass._group, kind: nodeClass._kind, name: nodeClass._name },
            taints: [{ key: this.taintKey, value: this.tenant, effect: this.effect }],
            requirements: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }],
          },
        },
        limits: { cpu, memory },
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' },
      },
    });
  }

  /**
   * Marks the tenant's namespaces as running on dedicated nodes, adds the
   * platform's placement guard and, with a mutating placement engine, the
   * tenant's mutation (in the tenant's chart).
   */
  public applyToTenant(tenant: SoftTenant): void {
    this._check(tenant);
    if (tenant.name !== this.tenant) {
      throw invalidProp(tenant, 'placement tenant', this.tenant, `is not this tenant ('${tenant.name}'): a placement dedicates nodes to the tenant it is applied to.`,
        `Use TenantPlacement.forTenant('${tenant.name}').`);
    }
    const platform = tenant.platform;
    // First, so that an extension that cannot run on dedicated nodes refuses before anything is added.
    tenant._setPlacement(this);
    // One guard for every tenant with a placement, in the platform's chart.
    platform._registry.addGuard(PLACEMENT_POLICY_NAME, (scope) => {
      platform._placementExemptNamespaces.forEach((ns, i) => checkDnsLabel(scope, `placementExemptNamespaces[${i}]`, ns));
      platform.placementEngine._addGuard(scope, platform._placementExemptNamespaces);
    });
    const kubeletSettable = this.nodeLabel.key === TENANT_LABEL;
    if (kubeletSettable) {
      // Only the kubelet-set label needs it: NodeRestriction already holds kubelets off node-restriction labels.
      platform._registry.addGuard(NODE_LABELS_POLICY_NAME, (scope) => nodeLabelGuard(scope, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }));
    }
    tenant.platform.placementEngine._addMutation(tenant, this);
    // The namespace tells the placement guard which node label its pods must require.
    tenant._setLibraryNamespaceLabel(DEDICATED_NODES_LABEL, kubeletSettable ? DEDICATED_NODES_KUBELET_LABEL : DEDICATED_NODES_NODE_RESTRICTION);
  }

  /**
   * Checks the tenant name and the effect.
   *
   * @internal
   */
  public _check(scope: IConstruct): void {
    checkDnsLabel(scope, 'placement tenant', this.tenant);
    // A jsii caller can pass null or an object of its own where the value class belongs.
    const key = (this.nodeLabel as PlacementNodeLabel | undefined)?.key;
    if (key !== NODE_RESTRICTION_TENANT_LABEL && key !== TENANT_LABEL) {
      throw invalidProp(scope, 'placement nodeLabel', key ?? String(this.nodeLabel),
        `must be PlacementNodeLabel.nodeRestriction() ('${NODE_RESTRICTION_TENANT_LABEL}') or PlacementNodeLabel.kubeletLabel() ('${TENANT_LABEL}').`);
    }
    if (awsEffect(this.effect) === undefined) {
      throw invalidProp(scope, 'placement effect', this.effect, "must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (TaintEffect).");
    }
    if (this.effect === TaintEffect.PREFER_NO_SCHEDULE) {
      throw invalidProp(scope, 'placement effect', this.effect, 'only prefers to keep other pods away; dedicated nodes need NoSchedule or NoExecute.');
    }
  }
}
