import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { invalidProp } from '../core/errors';
import { NODE_RESTRICTION_TENANT_LABEL, TENANT_LABEL } from '../core/labels';
import { PlacementNodeLabel, TenantPlacement } from '../placement/tenant-placement';

/**
 * Options for a {@link SoleTenantNodePool}.
 */
export interface SoleTenantNodePoolProps {
  /** The cluster the node group joins. */
  readonly cluster: eks.Cluster;

  /** The tenant the nodes are dedicated to. */
  readonly tenant: string;

  /**
   * The placement the nodes are labelled and tainted for. Its node label
   * must be `PlacementNodeLabel.kubeletLabel()`: a managed node group
   * cannot set the node-restriction label (see the class doc).
   *
   * @default TenantPlacement.forTenant(tenant, { nodeLabel: PlacementNodeLabel.kubeletLabel() })
   */
  readonly placement?: TenantPlacement;

  /**
   * Instance types.
   *
   * @default - EKS's default (t3.medium)
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /** Minimum nodes. @default 1 */
  readonly minSize?: number;

  /** Maximum nodes. @default 3 */
  readonly maxSize?: number;

  /** Desired nodes at creation. @default - minSize */
  readonly desiredSize?: number;

  /** On-demand or spot. @default CapacityType.ON_DEMAND */
  readonly capacityType?: eks.CapacityType;

  /** Where the nodes run. @default - the cluster VPC's private subnets */
  readonly subnets?: ec2.SubnetSelection;

  /** The AMI type. @default - EKS's default for the instance types */
  readonly amiType?: eks.NodegroupAmiType;

  /** The node role. @default - a role created for this tenant's nodes */
  readonly nodeRole?: iam.IRole;
}

/**
 * An EKS managed node group dedicated to one tenant (seed 003, "Isolating
 * tenant workloads to specific nodes"): labelled and tainted from the
 * tenant's {@link TenantPlacement}, so that the nodes, the tenant's pods and
 * the placement guard agree by construction.
 *
 * Apply the same placement to the tenant
 * (`softTenant.addExtension(pool.placement)`) for the guards and the
 * namespace marking.
 *
 * The nodes attract the tenant's pods by `cdk8s-tenancy.io/tenant`, a label
 * the kubelet sets when it registers, not by the node-restriction label the
 * library prefers (issue #16): the EKS managed node group API rejects
 * labels under `kubernetes.io/` ("Label cannot contain reserved prefixes"),
 * and the kubelet refuses to start with a `node-restriction.kubernetes.io/`
 * label in `--node-labels`, so only a controller could put it there
 * afterwards. Rather than ship such a controller, the placement adds the
 * node label guard (a kubelet may not change that label on its existing
 * Node; NodeRestriction already keeps it off its taints). What that leaves
 * open, a kubelet whose Node was deleted registering again as a tenant's
 * node, is written on `PlacementNodeLabel.kubeletLabel()`; tenants that
 * need it closed get a Karpenter or EKS Auto Mode NodePool
 * (`TenantPlacement.addKarpenterNodePool`) instead.
 */
export class SoleTenantNodePool extends Construct {
  /** The placement the nodes carry. */
  public readonly placement: TenantPlacement;

  /** The node group. */
  public readonly nodegroup: eks.Nodegroup;

  private readonly cluster: eks.Cluster;

  constructor(scope: Construct, id: string, props: SoleTenantNodePoolProps) {
    super(scope, id);
    this.placement = props.placement ?? TenantPlacement.forTenant(props.tenant, { nodeLabel: PlacementNodeLabel.kubeletLabel() });
    this.placement._check(this);
    if (this.placement.tenant !== props.tenant) {
      throw invalidProp(this, 'placement', this.placement.tenant, `is the placement of another tenant than '${props.tenant}'.`, `Use TenantPlacement.forTenant('${props.tenant}').`);
    }
    if (this.placement.nodeLabel.key === NODE_RESTRICTION_TENANT_LABEL) {
      throw invalidProp(this, 'placement nodeLabel', NODE_RESTRICTION_TENANT_LABEL,
        'cannot be set by an EKS managed node group: the EKS API rejects node labels under kubernetes.io/, and a kubelet refuses them in --node-labels.',
        `Use TenantPlacement.forTenant('${this.placement.tenant}', { nodeLabel: PlacementNodeLabel.kubeletLabel() }) (held by the node label guard; see its doc for what it leaves open), `
        + 'or give the tenant a Karpenter or EKS Auto Mode NodePool (placement.addKarpenterNodePool) instead of a node group.');
    }
    const minSize = props.minSize ?? 1;
    const maxSize = props.maxSize ?? 3;
    const desiredSize = props.desiredSize ?? minSize;
    for (const [prop, value] of [['minSize', minSize], ['maxSize', maxSize], ['desiredSize', desiredSize]] as const) {
      if (!Number.isInteger(value) || value < 0) throw invalidProp(this, prop, value, 'must be a whole number of 0 or more.');
    }
    if (minSize > maxSize) throw invalidProp(this, 'minSize', minSize, `must not exceed maxSize (${maxSize}).`);
    if (maxSize < 1) throw invalidProp(this, 'maxSize', maxSize, 'must be at least 1.');
    if (desiredSize < minSize || desiredSize > maxSize) throw invalidProp(this, 'desiredSize', desiredSize, `must be within [minSize, maxSize] = [${minSize}, ${maxSize}].`);
    if (props.instanceTypes !== undefined && props.instanceTypes.length === 0) {
      throw invalidProp(this, 'instanceTypes', [], 'must list at least one instance type.', 'Leave it out for the EKS default.');
    }

    this.cluster = props.cluster;
    this.nodegroup = new eks.Nodegroup(this, 'Resource', {
      cluster: props.cluster,
      instanceTypes: props.instanceTypes,
      minSize,
      maxSize,
      desiredSize,
      capacityType: props.capacityType ?? eks.CapacityType.ON_DEMAND,
      subnets: props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      amiType: props.amiType,
      nodeRole: props.nodeRole,
      labels: this.placement.nodeLabels,
      taints: [{
        key: this.placement.taintKey,
        value: this.placement.tenant,
        effect: this.placement.awsTaintEffect as eks.TaintEffect,
      }],
    });
    Tags.of(this.nodegroup).add(TENANT_LABEL, props.tenant);
  }

  /**
   * Applies a cdk8s chart (the tenant's baseline, the platform chart with
   * the placement guard) to the cluster through its kubectl provider.
   */
  public addChart(id: string, chart: Construct): eks.KubernetesManifest {
    if (!this.cluster.kubectlProvider) {
      throw invalidProp(this, 'cluster', this.cluster.node.path,
        'has no kubectl provider, which applying a chart needs.',
        "Create the cluster with kubectlProviderOptions (a kubectl layer from '@aws-cdk/lambda-layer-kubectl-vNN'), or write the chart out for GitOps instead.");
    }
    return this.cluster.addCdk8sChart(id, chart);
  }
}
