import { App as CdkApp, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { hardTenantClusterAcknowledgements } from '../src/aws/internal/cluster-nag';
import { aws, TENANT_LABEL } from 'cdk8s-tenancy';

const env = { account: '111111111111', region: 'eu-west-1' };
const ADMIN = 'arn:aws:iam::111111111111:role/team-a-admins';
const USER = 'arn:aws:iam::111111111111:role/team-a-devs';
const PLATFORM = 'arn:aws:iam::111111111111:role/platform';

describe('HardTenantCluster defaults', () => {
  const app = new CdkApp();
  const cluster = new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35 });
  const template = Template.fromStack(cluster);

  test('its own stack, named after the tenant', () => {
    expect(cluster.stackName).toBe('tenant-team-a');
    expect(Stack.of(cluster.cluster)).toBe(cluster);
  });

  test('private API endpoint, every control-plane log type, secrets encrypted with a rotating key', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'tenant-team-a',
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
      Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }] } },
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SecretsKey'), 'Arn'] } }, Resources: ['secrets'] }],
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('EKS Auto Mode compute, in a VPC of its own with flow logs', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', { ComputeConfig: Match.objectLike({ Enabled: true }) });
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });

  test('nobody has access by default: no access entries, no kubectl handler', () => {
    template.resourceCountIs('AWS::EKS::AccessEntry', 0);
    expect(cluster.cluster.kubectlProvider).toBeUndefined();
  });

  test('the baseline is there for GitOps, valid, with the tenant', () => {
    const objects = synthObjects(cluster.baseline.node.root as any);
    expect(validateAll(objects)).toBeGreaterThan(10);
    expect(objects.find((o) => o.kind === 'Namespace')!.metadata.labels![TENANT_LABEL]).toBe('team-a');
    expect(objects.some((o) => o.kind === 'ValidatingAdmissionPolicy')).toBe(true);
  });
});

describe('HardTenantCluster configured', () => {
  const app = new CdkApp();
  const stack = new Stack(app, 'Layers', { env });
  const layer = lambda.LayerVersion.fromLayerVersionArn(stack, 'Kubectl', 'arn:aws:lambda:eu-west-1:111111111111:layer:kubectl-v33:1');
  const cluster = new aws.HardTenantCluster(app, 'TeamA', {
    env,
    tenant: 'team-a',
    version: eks.KubernetesVersion.V1_35,
    publicEndpointCidrs: ['203.0.113.0/24'],
    tenantAdmins: [ADMIN],
    tenantUsers: [USER],
    platformAdmins: [PLATFORM],
    baseline: { name: 'team-a', namespaces: ['team-a', 'team-a-jobs'] },
    baselineDelivery: aws.BaselineDelivery.kubectl(layer),
  });
  const template = Template.fromStack(cluster);

  test('public endpoint only from the given CIDRs', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: true, PublicAccessCidrs: ['203.0.113.0/24'] }),
    });
  });

  test('tenants get namespace-scoped access policies on their namespaces; the platform gets cluster admin', () => {
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((r: any) => r.Properties);
    const byPrincipal = (p: string) => entries.find((e) => e.PrincipalArn === p)!.AccessPolicies;
    const policy = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:eks::aws:cluster-access-policy/${name}`]] });
    const namespaces = { Type: 'namespace', Namespaces: ['team-a', 'team-a-jobs'] };
    expect(byPrincipal(ADMIN)).toEqual([{ PolicyArn: policy('AmazonEKSAdminPolicy'), AccessScope: namespaces }]);
    expect(byPrincipal(USER)).toEqual([{ PolicyArn: policy('AmazonEKSEditPolicy'), AccessScope: namespaces }]);
    expect(byPrincipal(PLATFORM)).toEqual([{ PolicyArn: policy('AmazonEKSClusterAdminPolicy'), AccessScope: { Type: 'cluster' } }]);
  });

  test('the baseline is applied through the kubectl handler, objects inside', () => {
    const manifests = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).map((r: any) => r.Properties.Manifest);
    expect(manifests.length).toBe(2);
    const text = JSON.stringify(manifests);
    expect(text).toContain('cdk8s-tenancy-guardrails');
    expect(text).toContain('team-a-jobs');
    expect(text).toContain('default-deny');
  });
});

describe('HardTenantCluster compute', () => {
  const build = (compute: aws.TenantClusterCompute) => {
    const cluster = new aws.HardTenantCluster(new CdkApp(), 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35, compute });
    return { cluster, template: Template.fromStack(cluster) };
  };

  test('a managed node group in the private subnets, labelled for the tenant, instead of Auto Mode', () => {
    const { cluster, template } = build(aws.TenantClusterCompute.nodeGroup({ minSize: 3 }));
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'tenant-team-a',
      ScalingConfig: { MinSize: 3, MaxSize: 4, DesiredSize: 3 },
      InstanceTypes: ['m7i.large'],
      CapacityType: 'ON_DEMAND',
      Labels: { [TENANT_LABEL]: 'team-a' },
      Subnets: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
    });
    const props = Object.values(template.findResources('AWS::EKS::Cluster'))[0].Properties;
    expect(props.ComputeConfig?.Enabled).not.toBe(true);
    expect(cluster.nodegroup).toBeDefined();
  });

  test('no compute: the platform adds its own, e.g. a SoleTenantNodePool', () => {
    build(aws.TenantClusterCompute.none()).template.resourceCountIs('AWS::EKS::Nodegroup', 0);
    const cluster = new aws.HardTenantCluster(new CdkApp(), 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35, compute: aws.TenantClusterCompute.none() });
    expect(cluster.nodegroup).toBeUndefined();
    new aws.SoleTenantNodePool(cluster, 'Pool', { cluster: cluster.cluster, tenant: 'team-a' });
    Template.fromStack(cluster).hasResourceProperties('AWS::EKS::Nodegroup', {
      Labels: Match.objectLike({ [TENANT_LABEL]: 'team-a' }),
      Taints: [{ Key: TENANT_LABEL, Value: 'team-a', Effect: 'NO_SCHEDULE' }],
    });
  });

  test('many tenants in one shared VPC: no VPC per tenant, each cluster in its private subnets', () => {
    const app = new CdkApp();
    const network = new Stack(app, 'Network', { env });
    const vpc = new ec2.Vpc(network, 'Shared', { maxAzs: 2 });
    const stacks = aws.HardTenantCluster.forTenants(app, ['team-a', 'team-b'], { env, version: eks.KubernetesVersion.V1_35, vpc });
    for (const stack of stacks) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::VPC', 0);
      const subnets = Object.values(template.findResources('AWS::EKS::Cluster'))[0].Properties.ResourcesVpcConfig.SubnetIds;
      expect(JSON.stringify(subnets)).toMatch(/Fn::ImportValue.*SharedPrivateSubnet1.*SharedPrivateSubnet2/);
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  const nag = (configure: (app: CdkApp) => void) => {
    const app = new CdkApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    configure(app);
    return () => app.synth();
  };

  test.each([
    ['the default cluster', (app: CdkApp) => new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35 })],
    ['a configured cluster', (app: CdkApp) => new aws.HardTenantCluster(app, 'TeamA', {
      env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35, publicEndpointCidrs: ['203.0.113.0/24'], tenantAdmins: [ADMIN], platformAdmins: [PLATFORM],
    })],
  ])('%s has no unacknowledged finding', (_, build) => {
    expect(nag(build)).not.toThrow();
  });

  const kubectlLayer = (stack: Stack) => lambda.LayerVersion.fromLayerVersionArn(stack, 'Kubectl', 'arn:aws:lambda:eu-west-1:111111111111:layer:kubectl-v33:1');

  test.each([
    ['a managed node group', { compute: aws.TenantClusterCompute.nodeGroup() }],
    ['no compute of its own', { compute: aws.TenantClusterCompute.none() }],
    ['the baseline applied with kubectl', { kubectl: true }],
  ])('%s has no unacknowledged finding', (_, o: { compute?: aws.TenantClusterCompute; kubectl?: boolean }) => {
    expect(nag((app) => new aws.HardTenantCluster(app, 'TeamA', {
      env,
      tenant: 'team-a',
      version: eks.KubernetesVersion.V1_35,
      compute: o.compute,
      baselineDelivery: o.kubectl ? aws.BaselineDelivery.kubectl(kubectlLayer(new Stack(app, 'Layers', { env }))) : undefined,
    }))).not.toThrow();
  });

  /*
   * Each acknowledgement answers a finding that really occurs: the same
   * eks-v2 resources, built bare in a stack without acknowledgements, raise
   * exactly the acknowledged findings (plus VPC7, which HardTenantCluster
   * fixes with flow logs rather than acknowledges).
   */
  test.each([
    ['Auto Mode', 'autoMode', false],
    ['a managed node group', 'nodeGroup', false],
    ['Auto Mode with the kubectl provider', 'autoMode', true],
  ] as const)('%s: a bare eks-v2 cluster has exactly the acknowledged findings, plus the one HardTenantCluster fixes', (_, compute, kubectl) => {
    const app = new CdkApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const bare = new Stack(app, 'Bare', { env });
    const cluster = new eks.Cluster(bare, 'Cluster', {
      version: eks.KubernetesVersion.V1_35,
      ...compute === 'autoMode'
        ? { defaultCapacityType: eks.DefaultCapacityType.AUTOMODE }
        : { defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 },
      kubectlProviderOptions: kubectl ? { kubectlLayer: kubectlLayer(bare) } : undefined,
    });
    if (compute === 'nodeGroup') cluster.addNodegroupCapacity('Nodes');
    let message = '';
    try { app.synth(); } catch (e) { message = (e as Error).message; }
    const found = [...new Set([...message.matchAll(/Acknowledge with '(AwsSolutions::[^']+)'/g)].map((m) => m[1]))].sort();
    const expected = hardTenantClusterAcknowledgements(compute, kubectl).map((a) => a.id);
    expect(found).toEqual([...expected, 'AwsSolutions::AwsSolutions-VPC7'].sort());
  });

  test('the acknowledgements are exactly the expected ones, each with a reason', () => {
    const policies = (compute: 'autoMode' | 'nodeGroup' | 'none') => hardTenantClusterAcknowledgements(compute, false)
      .map((a) => a.id.replace(/^AwsSolutions::AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/(.*)\]$/, '$1'));
    expect(policies('autoMode')).toEqual([
      'AmazonEKSClusterPolicy', 'AmazonEKSComputePolicy', 'AmazonEKSBlockStoragePolicy', 'AmazonEKSLoadBalancingPolicy',
      'AmazonEKSNetworkingPolicy', 'AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly',
    ]);
    expect(policies('nodeGroup')).toEqual(['AmazonEKSClusterPolicy', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']);
    expect(policies('none')).toEqual(['AmazonEKSClusterPolicy']);
    for (const a of hardTenantClusterAcknowledgements('autoMode', false)) expect(a.reason).toMatch(/is the AWS managed policy EKS requires on the .* role/);
    const kubectl = hardTenantClusterAcknowledgements('none', true).slice(1);
    expect(kubectl).toHaveLength(5);
    for (const a of kubectl) expect(a.reason).toMatch(/is part of the AWS CDK kubectl provider .*BaselineDelivery.gitOps\(\) creates no kubectl provider/);
  });
});

describe('HardTenantCluster bad input', () => {
  test.each([
    ['a version past EKS extended support', { version: eks.KubernetesVersion.V1_31 }, /TeamA: invalid version '1.31': is not supported: Kubernetes 1.32 or newer, the releases EKS still runs \(checked 2026-12-01\)\. Use 1.34 or newer for EKS standard support\./],
    ['a long-gone version', { version: eks.KubernetesVersion.V1_29 }, /TeamA: invalid version '1.29': is not supported: Kubernetes 1.32 or newer/],
    ['a version that is not one', { version: eks.KubernetesVersion.of('latest') }, /TeamA: invalid version 'latest': is not supported/],
    ['a public endpoint open to the internet', { publicEndpointCidrs: ['0.0.0.0/0'] }, /invalid publicEndpointCidrs\[0\] '0.0.0.0\/0': opens the API endpoint to the whole internet/],
    ['a public endpoint without CIDRs', { publicEndpointCidrs: [] }, /invalid publicEndpointCidrs \[\]: must list at least one CIDR/],
    ['a CIDR that is not one', { publicEndpointCidrs: ['10.0.0.1'] }, /invalid publicEndpointCidrs\[0\] '10.0.0.1': must be a CIDR/],
    ['a tenant name that cannot name a stack or cluster', { tenant: 'Team_A' }, /TeamA: invalid tenant 'Team_A': must be a DNS-1123 label/],
    ['a baseline for another tenant', { baseline: { name: 'team-b' } }, /invalid baseline.name 'team-b': must be the tenant \('team-a'\)/],
    ['a tenant admin that is not an IAM ARN', { tenantAdmins: ['team-a-admins'] }, /invalid tenantAdmins\[0\] 'team-a-admins': must be an IAM role or user ARN/],
    ['a node group without nodes', { compute: aws.TenantClusterCompute.nodeGroup({ minSize: 0 }) }, /TeamA: invalid compute minSize 0: must be a whole number of at least 1/],
    ['a node group smaller at most than at least', { compute: aws.TenantClusterCompute.nodeGroup({ minSize: 3, maxSize: 2 }) }, /invalid compute maxSize 2: must be a whole number from minSize \(3\) to 1000/],
    ['a node group over the EKS limit', { compute: aws.TenantClusterCompute.nodeGroup({ maxSize: 1001 }) }, /invalid compute maxSize 1001/],
    ['a node group without instance types', { compute: aws.TenantClusterCompute.nodeGroup({ instanceTypes: [] }) }, /invalid compute instanceTypes \[\]: must list at least one instance type/],
  ])('%s', (_, override, message) => {
    const app = new CdkApp();
    expect(() => new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35, ...override })).toThrow(message);
    // Nothing emitted: the stack of a refused tenant does not exist, even partly (tenant admins are checked once the stack exists).
    if (!('tenantAdmins' in override)) expect(app.node.children).toHaveLength(0);
  });

  test('colliding tenants in forTenants', () => {
    const app = new CdkApp();
    expect(() => aws.HardTenantCluster.forTenants(app, ['team-a', 'team-b', 'team-a'], { env, version: eks.KubernetesVersion.V1_35 }))
      .toThrow(/invalid tenants\[2\] 'team-a': is listed twice/);
  });

  test('forTenants: one stack per tenant', () => {
    const app = new CdkApp();
    const stacks = aws.HardTenantCluster.forTenants(app, ['team-a', 'team-b'], { env, version: eks.KubernetesVersion.V1_35 });
    expect(stacks.map((s) => s.stackName)).toEqual(['tenant-team-a', 'tenant-team-b']);
  });
});

describe('HardTenantCluster Kubernetes versions', () => {
  const warnings = (version: string) => {
    const stack = new aws.HardTenantCluster(new CdkApp(), 'TeamA', { env, tenant: 'team-a', version: (eks.KubernetesVersion as any)[version] });
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('extended support'));
  };

  test.each([['V1_32', '1\\.32'], ['V1_33', '1\\.33']])('%s, in EKS extended support: accepted with a warning naming it', (version, shown) => {
    const found = warnings(version);
    expect(found).toHaveLength(1);
    expect(found[0].entry.data).toMatch(new RegExp(`Kubernetes ${shown} is in EKS extended support only \\(1\\.32, 1\\.33, checked 2026-12-01\\).*1\\.34 or newer`));
  });

  test.each(['V1_34', 'V1_35', 'V1_37'])('%s, in standard support: no warning', (version) => {
    expect(warnings(version)).toEqual([]);
  });
});
