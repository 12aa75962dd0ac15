import { LabeledNode, NodeLabelQuery, NodeTaintQuery, PodScheduling, TaintedNode, TaintEffect } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { DEDICATED_NODES_LABEL, TENANT_LABEL } from '../labels';
import { invalidProp } from '../private/errors';
import { checkDnsLabel } from '../private/names';
import { awsEffect } from '../private/taint-effect';
import { ITenantExtension, SoftTenant } from '../soft-tenant';

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
 * - the nodes carry the label and the taint `cdk8s-tenancy.io/tenant=<tenant>`;
 * - the tenant's pods tolerate that taint and require that label (node
 *   affinity);
 * - the platform's placement guard (a ValidatingAdmissionPolicy) rejects
 *   pods outside the tenant that tolerate its taint or every taint, and
 *   tenant pods that pick a node themselves (`spec.nodeName`), point at
 *   another tenant's nodes, or lack the toleration and affinity.
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
    return new TenantPlacement(tenant, options.effect ?? TaintEffect.NO_SCHEDULE);
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
  ) {}

  /**
   * The labels of the tenant's nodes.
   */
  public get nodeLabels(): { [key: string]: string } {
    return { [TENANT_LABEL]: this.tenant };
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
    return { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: [this.tenant] }] };
  }

  /**
   * Places a cdk8s-plus workload (Deployment, StatefulSet, Job, Pod...) on
   * the tenant's nodes: tolerates their taint and requires their label.
   */
  public applyTo(scheduling: PodScheduling): void {
    scheduling.tolerate(new TaintedNode([NodeTaintQuery.is(TENANT_LABEL, this.tenant, { effect: this.effect })]));
    scheduling.attract(new LabeledNode([NodeLabelQuery.is(TENANT_LABEL, this.tenant)]));
  }

  /**
   * Marks the tenant's namespaces as running on dedicated nodes and adds the
   * platform's placement guard.
   */
  public applyToTenant(tenant: SoftTenant): void {
    this._check(tenant);
    if (tenant.name !== this.tenant) {
      throw invalidProp(tenant, 'placement tenant', this.tenant, `is not this tenant ('${tenant.name}'): a placement dedicates nodes to the tenant it is applied to.`,
        `Use TenantPlacement.forTenant('${tenant.name}').`);
    }
    tenant.platform._ensurePlacementGuard();
    tenant._setLibraryNamespaceLabel(DEDICATED_NODES_LABEL, 'true');
  }

  /**
   * Checks the tenant name and the effect.
   *
   * @internal
   */
  public _check(scope: IConstruct): void {
    checkDnsLabel(scope, 'placement tenant', this.tenant);
    if (awsEffect(this.effect) === undefined) {
      throw invalidProp(scope, 'placement effect', this.effect, "must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute' (TaintEffect).");
    }
    if (this.effect === TaintEffect.PREFER_NO_SCHEDULE) {
      throw invalidProp(scope, 'placement effect', this.effect, 'only prefers to keep other pods away; dedicated nodes need NoSchedule or NoExecute.');
    }
  }
}
