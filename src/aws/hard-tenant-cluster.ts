import { Annotations, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { App as Cdk8sApp, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import { TenantClusterCompute } from './tenant-cluster-compute';
import { invalidProp } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { hardTenantClusterAcknowledgements } from './internal/cluster-nag';
import { checkCostTags } from './internal/tags';
import { KUBERNETES_EXTENDED_SUPPORT_MINORS, KUBERNETES_OLDEST_MINOR, KUBERNETES_STANDARD_SUPPORT_MINORS, kubernetesSupport, VERSIONS_CHECKED } from '../core/versions';
import { SoftTenant, SoftTenantProps } from '../tenant/soft-tenant';

/**
 * How the tenant's baseline (its SoftTenant objects and the platform guard)
 * reaches the cluster.
 */
export class BaselineDelivery {
  /**
   * Applied by CloudFormation through the cluster's kubectl handler
   * (`cluster.addCdk8sChart`), which needs a kubectl Lambda layer matching
   * the cluster version, e.g. `new KubectlV33Layer(this, 'Kubectl')` from
   * `@aws-cdk/lambda-layer-kubectl-v33`.
   */
  public static kubectl(kubectlLayer: lambda.ILayerVersion): BaselineDelivery {
    return new BaselineDelivery(kubectlLayer);
  }

  /**
   * Not applied here: write `cluster.baseline` for GitOps (e.g. with
   * `TenancyGitOps.write`) and let Argo CD or Flux apply it. No kubectl
   * handler is created.
   */
  public static gitOps(): BaselineDelivery {
    return new BaselineDelivery();
  }

  private constructor(/** @internal */ public readonly _layer?: lambda.ILayerVersion) {}
}

/**
 * Options shared by the clusters of many tenants (see `forTenants`).
 */
export interface HardTenantClusterOptions extends StackProps {
  /**
   * The Kubernetes version: one EKS runs, 1.32 or newer. 1.32 and 1.33 are
   * in EKS extended support (accepted, with a synth warning); 1.34 and newer
   * in standard support.
   */
  readonly version: eks.KubernetesVersion;

  /**
   * Where the tenant's pods run.
   *
   * @default TenantClusterCompute.autoMode()
   */
  readonly compute?: TenantClusterCompute;

  /**
   * Open the API endpoint to these CIDRs too (PUBLIC_AND_PRIVATE). The
   * endpoint is private unless this is given; `0.0.0.0/0` is refused.
   *
   * @default - private endpoint only
   */
  readonly publicEndpointCidrs?: string[];

  /**
   * The KMS key that encrypts the cluster's secrets.
   *
   * @default - a key created for this cluster, with yearly rotation
   */
  readonly secretsEncryptionKey?: kms.IKey;

  /**
   * The VPC.
   *
   * @default - a VPC for this tenant (2 AZs), with flow logs
   */
  readonly vpc?: ec2.IVpc;

  /**
   * IAM principal ARNs of the tenant's admins: EKS access entries with
   * `AmazonEKSAdminPolicy` scoped to the tenant's namespaces.
   *
   * @default - none
   */
  readonly tenantAdmins?: string[];

  /**
   * IAM principal ARNs of the tenant's users: `AmazonEKSEditPolicy` scoped to
   * the tenant's namespaces.
   *
   * @default - none
   */
  readonly tenantUsers?: string[];

  /**
   * IAM principal ARNs of the platform team: `AmazonEKSClusterAdminPolicy`,
   * cluster-wide. The only way to get cluster admin: the identity that
   * deploys the stack gets none (`bootstrapClusterCreatorAdminPermissions`
   * is off) and tenants never do.
   *
   * @default - nobody
   */
  readonly platformAdmins?: string[];

  /**
   * The tenant's baseline inside its cluster (quota, network, RBAC, Pod
   * Security), as SoftTenant props; its `name` must be the tenant.
   *
   * @default - a SoftTenant with the tenant's name and every default
   */
  readonly baseline?: SoftTenantProps;

  /**
   * How the baseline reaches the cluster.
   *
   * @default BaselineDelivery.gitOps()
   */
  readonly baselineDelivery?: BaselineDelivery;

  /**
   * Tags for cost attribution (e.g. `{ 'cost-centre': 'cc-1234' }`), on
   * every taggable resource of the tenant's stack, next to the tenant tag
   * (`cdk8s-tenancy.io/tenant`), which every resource gets anyway. Activate
   * them as cost allocation tags in AWS Billing. Tags of a managed node
   * group do not reach its EC2 instances (an EKS limitation): EKS Auto
   * Mode compute is tagged by EKS.
   *
   * @default - only the tenant tag
   */
  readonly costTags?: { [key: string]: string };
}

/**
 * Options for a {@link HardTenantCluster}.
 */
export interface HardTenantClusterProps extends HardTenantClusterOptions {
  /** The tenant; names the stack (`tenant-<tenant>`) and the cluster. */
  readonly tenant: string;
}

/**
 * Hard multi-tenancy: an EKS cluster per tenant, in a stack of its own (one
 * blast radius, one deploy and one rollback per tenant), secure by default
 * (seed 003 "Hard multi-tenancy"; seed 001: secrets encryption, no anonymous
 * access, audit logging): private API endpoint, every control-plane log
 * type, secrets encrypted with KMS, authentication by access entries,
 * tenants limited to namespace-scoped access policies, EKS Auto Mode
 * compute, and the tenant's SoftTenant baseline inside.
 */
export class HardTenantCluster extends Stack {
  /**
   * One stack per tenant, from a list. Tenant names must be unique.
   */
  public static forTenants(scope: Construct, tenants: string[], props: HardTenantClusterOptions): HardTenantCluster[] {
    const seen = new Set<string>();
    return tenants.map((tenant, i) => {
      if (seen.has(tenant)) throw invalidProp(scope, `tenants[${i}]`, tenant, 'is listed twice: one cluster per tenant.');
      seen.add(tenant);
      return new HardTenantCluster(scope, `Tenant-${tenant}`, { ...props, tenant });
    });
  }

  /** The tenant. */
  public readonly tenant: string;
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  /** The key encrypting the cluster's secrets. */
  public readonly secretsKey: kms.IKey;
  /** The baseline chart (a cdk8s Chart of its own app), applied or to be written for GitOps. */
  public readonly baseline: Chart;
  /** The managed node group, with `TenantClusterCompute.nodeGroup()`. */
  public readonly nodegroup?: eks.Nodegroup;

  constructor(scope: Construct, id: string, props: HardTenantClusterProps) {
    // Checked before the stack exists, so a bad tenant emits nothing; errors
    // name the stack-to-be.
    const where = { node: { path: [scope.node.path, id].filter(Boolean).join('/') } } as Construct;
    checkDnsLabel(where, 'tenant', props.tenant);
    const minor = Number(/^1\.(\d+)$/.exec(props.version.version)?.[1]);
    const support = kubernetesSupport(minor);
    if (support === 'unsupported') {
      throw invalidProp(where, 'version', props.version.version,
        `is not supported: Kubernetes 1.${KUBERNETES_OLDEST_MINOR} or newer, the releases EKS still runs (checked ${VERSIONS_CHECKED}).`,
        `Use 1.${KUBERNETES_STANDARD_SUPPORT_MINORS[0]} or newer for EKS standard support.`);
    }
    for (const [i, cidr] of (props.publicEndpointCidrs ?? []).entries()) {
      if (!ipaddr.isValidCIDR(cidr)) throw invalidProp(where, `publicEndpointCidrs[${i}]`, cidr, "must be a CIDR, e.g. '203.0.113.0/24'.");
      if (ipaddr.parseCIDR(cidr)[1] === 0) {
        throw invalidProp(where, `publicEndpointCidrs[${i}]`, cidr, 'opens the API endpoint to the whole internet.', 'List the networks that need the API, or leave the endpoint private.');
      }
    }
    if (props.baseline && props.baseline.name !== props.tenant) {
      throw invalidProp(where, 'baseline.name', props.baseline.name, `must be the tenant ('${props.tenant}'): the baseline is that tenant's.`);
    }
    if (props.publicEndpointCidrs !== undefined && props.publicEndpointCidrs.length === 0) {
      throw invalidProp(where, 'publicEndpointCidrs', [], 'must list at least one CIDR; leave it out for a private endpoint.');
    }

    const compute = props.compute ?? TenantClusterCompute.autoMode();
    compute._check(where);
    const costTags = checkCostTags(where, 'costTags', props.costTags);

    super(scope, id, { stackName: `tenant-${props.tenant}`, ...props });
    this.tenant = props.tenant;
    // Every taggable resource of the stack, for cost attribution per tenant.
    for (const [key, value] of Object.entries({ [TENANT_LABEL]: props.tenant, ...costTags })) Tags.of(this).add(key, value);
    if (support === 'extended') {
      Annotations.of(this).addWarningV2('cdk8s-tenancy:kubernetesExtendedSupport',
        `Kubernetes ${props.version.version} is in EKS extended support only (${KUBERNETES_EXTENDED_SUPPORT_MINORS.map((m) => `1.${m}`).join(', ')}, checked ${VERSIONS_CHECKED}): it costs more and ends sooner. Plan the upgrade to a standard-support release (1.${KUBERNETES_STANDARD_SUPPORT_MINORS[0]} or newer).`);
    }

    const vpc = props.vpc ?? new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    this.secretsKey = props.secretsEncryptionKey ?? new kms.Key(this, 'SecretsKey', {
      enableKeyRotation: true,
      description: `Secrets encryption of the EKS cluster of tenant ${props.tenant}`,
    });
    const layer = props.baselineDelivery?._layer;
    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: `tenant-${props.tenant}`,
      version: props.version,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      endpointAccess: props.publicEndpointCidrs
        ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...props.publicEndpointCidrs)
        : eks.EndpointAccess.PRIVATE,
      clusterLogging: [
        eks.ClusterLoggingTypes.API, eks.ClusterLoggingTypes.AUDIT, eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER, eks.ClusterLoggingTypes.SCHEDULER,
      ],
      secretsEncryptionKey: this.secretsKey,
      ...compute._clusterProps(),
      bootstrapClusterCreatorAdminPermissions: false,
      kubectlProviderOptions: layer ? { kubectlLayer: layer } : undefined,
      tags: { [TENANT_LABEL]: props.tenant },
    });

    this.nodegroup = compute._addTo(this.cluster, props.tenant);

    const baselineApp = new Cdk8sApp();
    this.baseline = new Chart(baselineApp, `tenant-${props.tenant}`);
    const softTenant = new SoftTenant(this.baseline, 'Tenant', { ...props.baseline, name: props.tenant });
    const namespaces = softTenant.namespaces;

    const grant = (prefix: string, arns: string[] | undefined, policy: string, accessScope: eks.AccessScopeType) =>
      (arns ?? []).forEach((principal, i) => {
        if (!/^arn:aws[a-z-]*:(iam|sts)::\d{12}:/.test(principal)) {
          throw invalidProp(this, `${prefix}[${i}]`, principal, 'must be an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/team-a-admins.');
        }
        new eks.AccessEntry(this, `${prefix}${i}`, {
          cluster: this.cluster,
          principal,
          accessPolicies: [eks.AccessPolicy.fromAccessPolicyName(policy, accessScope === eks.AccessScopeType.CLUSTER
            ? { accessScopeType: accessScope } : { accessScopeType: accessScope, namespaces })],
        });
      });
    grant('tenantAdmins', props.tenantAdmins, 'AmazonEKSAdminPolicy', eks.AccessScopeType.NAMESPACE);
    grant('tenantUsers', props.tenantUsers, 'AmazonEKSEditPolicy', eks.AccessScopeType.NAMESPACE);
    grant('platformAdmins', props.platformAdmins, 'AmazonEKSClusterAdminPolicy', eks.AccessScopeType.CLUSTER);

    if (layer) {
      // The baseline's own app holds the tenant and its platform chart.
      for (const chart of baselineApp.charts) this.cluster.addCdk8sChart(`Baseline-${chart.node.id}`, chart);
    }
    for (const ack of hardTenantClusterAcknowledgements(compute._kind, layer !== undefined)) Validations.of(this).acknowledge(ack);
  }
}
