import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { invalidProp } from '../core/errors';
import { TENANT_LABEL } from '../core/labels';
import { checkLabel } from '../core/names';
import { SoftTenant } from '../tenant/soft-tenant';

/**
 * Fargate's limits on a profile (EKS service quotas): selectors per profile,
 * label pairs per selector.
 */
const MAX_SELECTORS = 5;
const MAX_LABELS = 5;

/**
 * Options for a {@link TenantFargateProfile}.
 */
export interface TenantFargateProfileProps {
  /**
   * The cluster the profile belongs to.
   */
  readonly cluster: eks.Cluster;

  /**
   * The tenant whose pods run on Fargate. The profile is tagged with its
   * name and selects only its namespaces.
   */
  readonly tenant: SoftTenant;

  /**
   * Which of the tenant's namespaces to select, one selector each. Only the
   * tenant's own namespaces are accepted: a tenant profile that selected
   * another namespace (`kube-system`, another tenant's) would put pods that
   * are not the tenant's under its name and its pod execution role.
   *
   * @default - every namespace of the tenant
   */
  readonly namespaces?: string[];

  /**
   * Only pods with these labels run on Fargate; others in the namespaces are
   * scheduled on nodes. Leave out to put every pod of the tenant on Fargate.
   *
   * @default - every pod of the tenant's namespaces
   */
  readonly podLabels?: { [key: string]: string };

  /**
   * The subnets Fargate pods get their addresses in. Must be private:
   * Fargate does not assign public IPs, and tenant pods should not be
   * reachable from the internet past the cluster's own ingress.
   *
   * @default - the private subnets of the cluster's VPC
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * The pod execution role (pulls images, writes logs). One per tenant, so
   * one tenant's registry rights are not another's.
   *
   * @default - a role created for this tenant
   */
  readonly podExecutionRole?: iam.IRole;
}

/**
 * An EKS Fargate profile for one tenant: every pod of the tenant runs in its
 * own Firecracker micro-VM, the sandboxing seed 003 names for EKS ("Today,
 * you can create sandboxed pods with EKS Fargate").
 *
 * Fargate refuses privileged containers, host networking, host ports and
 * DaemonSets, all of which the `restricted` Pod Security level forbids too.
 */
export class TenantFargateProfile extends Construct {
  /**
   * The profile.
   */
  public readonly profile: eks.FargateProfile;

  constructor(scope: Construct, id: string, props: TenantFargateProfileProps) {
    super(scope, id);
    // Not `instanceof`: jsii callers and a second copy of the library would fail it.
    const tenant = props.tenant;
    if (!tenant || typeof tenant.name !== 'string' || !Array.isArray(tenant.namespaces)) {
      throw invalidProp(this, 'tenant', String(tenant), 'must be a SoftTenant.', 'Pass the SoftTenant whose pods run on Fargate.');
    }
    const namespaces = props.namespaces ?? tenant.namespaces;
    if (namespaces.length === 0 || namespaces.length > MAX_SELECTORS) {
      throw invalidProp(this, 'namespaces', namespaces,
        `must list 1 to ${MAX_SELECTORS} namespaces: a Fargate profile has at most ${MAX_SELECTORS} selectors, one per namespace.`,
        'Split the tenant into several profiles, or run some namespaces on nodes.');
    }
    namespaces.forEach((ns, i) => {
      if (!tenant.namespaces.includes(ns)) {
        throw invalidProp(this, `namespaces[${i}]`, ns, `is not a namespace of tenant '${tenant.name}' (${tenant.namespaces.join(', ')}): a tenant's profile selects only the tenant's namespaces.`,
          'Leave namespaces out to select all of them, or give system namespaces a profile of the platform\'s.');
      }
    });
    if (new Set(namespaces).size !== namespaces.length) throw invalidProp(this, 'namespaces', namespaces, 'lists a namespace twice.');
    const podLabels = props.podLabels ?? {};
    if (Object.keys(podLabels).length > MAX_LABELS) {
      throw invalidProp(this, 'podLabels', podLabels, `must have at most ${MAX_LABELS} labels: Fargate matches at most ${MAX_LABELS} label pairs per selector.`);
    }
    for (const [k, v] of Object.entries(podLabels)) checkLabel(this, 'podLabels', k, v);

    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const vpc = props.cluster.vpc;
    const selected = vpc.selectSubnets(subnets).subnets;
    const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
    const exposed = selected.filter((s) => publicIds.has(s.subnetId));
    if (exposed.length > 0) {
      throw invalidProp(this, 'subnets', exposed.map((s) => s.node.path), 'are public subnets: Fargate pods must run in private subnets.',
        'Select private subnets, e.g. { subnetType: SubnetType.PRIVATE_WITH_EGRESS }.');
    }

    this.profile = new eks.FargateProfile(this, 'Resource', {
      cluster: props.cluster,
      selectors: namespaces.map((namespace) => (Object.keys(podLabels).length > 0 ? { namespace, labels: { ...podLabels } } : { namespace })),
      vpc,
      subnetSelection: subnets,
      podExecutionRole: props.podExecutionRole,
    });
    Tags.of(this.profile).add(TENANT_LABEL, tenant.name);
  }
}
