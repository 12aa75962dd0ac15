/**
 * The AWS managed policies EKS itself requires on the roles a
 * HardTenantCluster creates: the cluster role (with Auto Mode's compute,
 * block storage, load balancing and networking policies), the Auto Mode
 * node role and the managed node group's role. AWS maintains them as EKS
 * changes; replacing them with copies would only let them drift.
 */
const CLUSTER_POLICIES = [{ name: 'AmazonEKSClusterPolicy', role: 'cluster' }];
const AUTO_MODE_POLICIES = [
  { name: 'AmazonEKSComputePolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSBlockStoragePolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSLoadBalancingPolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSNetworkingPolicy', role: 'cluster (Auto Mode)' },
  { name: 'AmazonEKSWorkerNodePolicy', role: 'node' },
  { name: 'AmazonEC2ContainerRegistryReadOnly', role: 'node' },
];
const NODE_GROUP_POLICIES = [
  { name: 'AmazonEKSWorkerNodePolicy', role: 'node group' },
  { name: 'AmazonEKS_CNI_Policy', role: 'node group' },
  { name: 'AmazonEC2ContainerRegistryReadOnly', role: 'node group' },
];

const KUBECTL_REASON = 'is part of the AWS CDK kubectl provider (aws-eks-v2), used as AWS CDK ships it; '
  + 'BaselineDelivery.gitOps() creates no kubectl provider at all.';

/**
 * The findings of the kubectl provider aws-eks-v2 adds when the baseline is
 * applied with kubectl: its Lambda roles use the AWS managed execution
 * policies, its handler's runtime is the one AWS CDK pins, and its
 * framework may invoke any version of its own handler.
 */
const KUBECTL_PROVIDER: { id: string; reason: string }[] = [
  { id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: `AWSLambdaBasicExecutionRole (logs) ${KUBECTL_REASON}` },
  { id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]', reason: `AWSLambdaVPCAccessExecutionRole (the handler runs in the cluster's private subnets) ${KUBECTL_REASON}` },
  {
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::{"Fn::If":["ClusterKubectlProviderHandlerHasEcrPublic69E09706",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
    reason: `AmazonElasticContainerRegistryPublicReadOnly (only in partitions with ECR Public, to pull the handler's images) ${KUBECTL_REASON}`,
  },
  { id: 'AwsSolutions::AwsSolutions-L1', reason: `The handler's Lambda runtime ${KUBECTL_REASON}` },
  { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<ClusterKubectlProviderHandler2E05C68A.Arn>:*]', reason: `Invoking any version of its own handler function ${KUBECTL_REASON}` },
];

/**
 * The AwsSolutions (cdk-nag) findings a HardTenantCluster acknowledges, one
 * per finding, each with its reason, for its compute and baseline delivery.
 * Everything else the checks find is fixed, not acknowledged (e.g. VPC7: the
 * tenant VPC has flow logs).
 */
export function hardTenantClusterAcknowledgements(compute: 'autoMode' | 'nodeGroup' | 'none', kubectl: boolean): { id: string; reason: string }[] {
  const policies = [...CLUSTER_POLICIES, ...compute === 'autoMode' ? AUTO_MODE_POLICIES : compute === 'nodeGroup' ? NODE_GROUP_POLICIES : []];
  return [
    ...policies.map(({ name, role }) => ({
      id: `AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
      reason: `${name} is the AWS managed policy EKS requires on the ${role} role; AWS keeps it in step with EKS.`,
    })),
    ...kubectl ? KUBECTL_PROVIDER : [],
  ];
}
