/**
 * The AWS managed policies EKS itself requires on the roles a
 * HardTenantCluster creates: the cluster role (with Auto Mode's compute,
 * block storage, load balancing and networking policies) and the Auto Mode
 * node role. AWS maintains them as EKS changes; replacing them with copies
 * would only let them drift.
 */
const EKS_MANAGED_POLICIES: { name: string; role: string }[] = [
  { name: 'AmazonEKSClusterPolicy', role: 'cluster' },
  { name: 'AmazonEKSComputePolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSBlockStoragePolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSLoadBalancingPolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSNetworkingPolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSWorkerNodePolicy', role: 'node' },
  { name: 'AmazonEC2ContainerRegistryReadOnly', role: 'node' },
];

/**
 * The AwsSolutions (cdk-nag) findings a HardTenantCluster acknowledges, one
 * per finding, each with its reason. Everything else the checks find is
 * fixed, not acknowledged (e.g. VPC7: the tenant VPC has flow logs).
 */
export const HARD_TENANT_CLUSTER_ACKNOWLEDGEMENTS: { id: string; reason: string }[] = EKS_MANAGED_POLICIES.map(({ name, role }) => ({
  id: `AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
  reason: `${name} is the AWS managed policy EKS requires on the ${role} role; AWS keeps it in step with EKS.`,
}));
