import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';

/**
 * A managed node group for a tenant's cluster.
 */
export interface TenantNodeGroupOptions {
  /**
   * The instance types, in order of preference.
   *
   * @default [m7i.large]
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * The fewest nodes. At least 1.
   *
   * @default 2
   */
  readonly minSize?: number;

  /**
   * The most nodes. At least `minSize`; EKS allows up to 1,000 per group.
   *
   * @default - 4, or `minSize` if that is more
   */
  readonly maxSize?: number;

  /**
   * On-demand or spot.
   *
   * @default eks.CapacityType.ON_DEMAND
   */
  readonly capacityType?: eks.CapacityType;
}

/**
 * Where a tenant cluster's pods run.
 */
export class TenantClusterCompute {
  /**
   * EKS Auto Mode: AWS runs the nodes (Karpenter-based, patched and
   * replaced for you). The default: the least for a platform team to
   * operate per tenant.
   */
  public static autoMode(): TenantClusterCompute {
    return new TenantClusterCompute('autoMode');
  }

  /**
   * One managed node group in the cluster's private subnets, for teams that
   * need to choose AMIs and instance types or cannot use Auto Mode.
   */
  public static nodeGroup(options: TenantNodeGroupOptions = {}): TenantClusterCompute {
    return new TenantClusterCompute('nodeGroup', options);
  }

  /**
   * No compute: add your own to `cluster`, e.g. `SoleTenantNodePool`s or
   * `cluster.addNodegroupCapacity(...)`, or Fargate profiles.
   */
  public static none(): TenantClusterCompute {
    return new TenantClusterCompute('none');
  }

  private constructor(
    /** @internal */ public readonly _kind: 'autoMode' | 'nodeGroup' | 'none',
    private readonly options: TenantNodeGroupOptions = {},
  ) {}

  /**
   * The cluster props for this compute.
   *
   * @internal
   */
  public _clusterProps(): Pick<eks.ClusterProps, 'defaultCapacityType' | 'defaultCapacity'> {
    return this._kind === 'autoMode'
      ? { defaultCapacityType: eks.DefaultCapacityType.AUTOMODE }
      : { defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 };
  }

  /**
   * Checks the options before anything is created.
   *
   * @internal
   */
  public _check(scope: IConstruct): void {
    if (this._kind !== 'nodeGroup') return;
    const { minSize, maxSize } = this.sizes();
    const instanceTypes = this.options.instanceTypes;
    if (!Number.isInteger(minSize) || minSize < 1) {
      throw invalidProp(scope, 'compute minSize', minSize, 'must be a whole number of at least 1: a tenant cluster with no nodes runs nothing.');
    }
    if (!Number.isInteger(maxSize) || maxSize < minSize || maxSize > 1000) {
      throw invalidProp(scope, 'compute maxSize', maxSize, `must be a whole number from minSize (${minSize}) to 1000.`);
    }
    if (instanceTypes !== undefined && instanceTypes.length === 0) {
      throw invalidProp(scope, 'compute instanceTypes', [], 'must list at least one instance type; leave it out for m7i.large.');
    }
  }

  /** The node group's sizes, with their documented defaults. */
  private sizes(): { minSize: number; maxSize: number } {
    const minSize = this.options.minSize ?? 2;
    return { minSize, maxSize: this.options.maxSize ?? Math.max(4, minSize) };
  }

  /**
   * Adds the node group, if any, to the cluster.
   *
   * @internal
   */
  public _addTo(cluster: eks.Cluster, tenant: string): eks.Nodegroup | undefined {
    if (this._kind !== 'nodeGroup') return undefined;
    const { minSize, maxSize } = this.sizes();
    return cluster.addNodegroupCapacity('Nodes', {
      nodegroupName: `tenant-${tenant}`,
      instanceTypes: this.options.instanceTypes ?? [ec2.InstanceType.of(ec2.InstanceClass.M7I, ec2.InstanceSize.LARGE)],
      minSize,
      maxSize,
      desiredSize: minSize,
      capacityType: this.options.capacityType ?? eks.CapacityType.ON_DEMAND,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      // The nodes carry the tenant label, as dedicated nodes in a shared
      // cluster do, so selectors and the audit read both the same way.
      labels: { [TENANT_LABEL]: tenant },
    });
  }
}
