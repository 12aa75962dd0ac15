import { App as CdkApp, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthObjects } from './helpers/manifests';
import { validateAll } from './helpers/schema';
import { HARD_TENANT_CLUSTER_ACKNOWLEDGEMENTS } from '../src/private/cluster-nag';
import { aws, TENANT_LABEL } from 'cdk8s-tenancy';

const env = { account: '111111111111', region: 'eu-west-1' };
const ADMIN = 'arn:aws:iam::111111111111:role/team-a-admins';
const USER = 'arn:aws:iam::111111111111:role/team-a-devs';
const PLATFORM = 'arn:aws:iam::111111111111:role/platform';

describe('HardTenantCluster defaults', () => {
  const app = new CdkApp();
  const cluster = new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_33 });
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
    version: eks.KubernetesVersion.V1_33,
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

describe('cdk-nag AwsSolutions', () => {
  const nag = (configure: (app: CdkApp) => void) => {
    const app = new CdkApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    configure(app);
    return () => app.synth();
  };

  test.each([
    ['the default cluster', (app: CdkApp) => new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_33 })],
    ['a configured cluster', (app: CdkApp) => new aws.HardTenantCluster(app, 'TeamA', {
      env, tenant: 'team-a', version: eks.KubernetesVersion.V1_33, publicEndpointCidrs: ['203.0.113.0/24'], tenantAdmins: [ADMIN], platformAdmins: [PLATFORM],
    })],
  ])('%s has no unacknowledged finding', (_, build) => {
    expect(nag(build)).not.toThrow();
  });

  test('a bare eks-v2 cluster has exactly the acknowledged findings, plus the one HardTenantCluster fixes', () => {
    const app = new CdkApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_33 });
    // a second stack with the same cluster resources, minus the acknowledgements
    const bare = new Stack(app, 'Bare', { env });
    new eks.Cluster(bare, 'Cluster', { version: eks.KubernetesVersion.V1_33, defaultCapacityType: eks.DefaultCapacityType.AUTOMODE });
    let message = '';
    try { app.synth(); } catch (e) { message = (e as Error).message; }
    const found = [...new Set([...message.matchAll(/Acknowledge with '(AwsSolutions::[^']+)'/g)].map((m) => m[1]))].sort();
    // A bare eks-v2 cluster also fails VPC7 (no flow log), which HardTenantCluster fixes rather than acknowledges.
    expect(found).toEqual([...HARD_TENANT_CLUSTER_ACKNOWLEDGEMENTS.map((a) => a.id), 'AwsSolutions::AwsSolutions-VPC7'].sort());
    expect(message).toMatch(/ERROR[^\n]*\n\s+Bare\//);
    expect(message).not.toMatch(/ERROR[^\n]*\n\s+TeamA\//);
  });

  test('the acknowledgements are exactly the expected ones, each with a reason', () => {
    expect(HARD_TENANT_CLUSTER_ACKNOWLEDGEMENTS.map((a) => a.id.replace(/^AwsSolutions::AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/(.*)\]$/, '$1'))).toEqual([
      'AmazonEKSClusterPolicy', 'AmazonEKSComputePolicy', 'AmazonEKSBlockStoragePolicy', 'AmazonEKSLoadBalancingPolicy',
      'AmazonEKSNetworkingPolicy', 'AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly',
    ]);
    for (const a of HARD_TENANT_CLUSTER_ACKNOWLEDGEMENTS) expect(a.reason).toMatch(/is the AWS managed policy EKS requires on the .* role/);
  });
});

describe('HardTenantCluster bad input', () => {
  test.each([
    ['an unsupported version', { version: eks.KubernetesVersion.V1_29 }, /TeamA: invalid version '1.29': is not supported: Kubernetes 1.30 or newer/],
    ['a public endpoint open to the internet', { publicEndpointCidrs: ['0.0.0.0/0'] }, /invalid publicEndpointCidrs\[0\] '0.0.0.0\/0': opens the API endpoint to the whole internet/],
    ['a public endpoint without CIDRs', { publicEndpointCidrs: [] }, /invalid publicEndpointCidrs \[\]: must list at least one CIDR/],
    ['a CIDR that is not one', { publicEndpointCidrs: ['10.0.0.1'] }, /invalid publicEndpointCidrs\[0\] '10.0.0.1': must be a CIDR/],
    ['a tenant name that cannot name a stack or cluster', { tenant: 'Team_A' }, /TeamA: invalid tenant 'Team_A': must be a DNS-1123 label/],
    ['a baseline for another tenant', { baseline: { name: 'team-b' } }, /invalid baseline.name 'team-b': must be the tenant \('team-a'\)/],
    ['a tenant admin that is not an IAM ARN', { tenantAdmins: ['team-a-admins'] }, /invalid tenantAdmins\[0\] 'team-a-admins': must be an IAM role or user ARN/],
  ])('%s', (_, override, message) => {
    const app = new CdkApp();
    expect(() => new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_33, ...override })).toThrow(message);
  });

  test('colliding tenants in forTenants', () => {
    const app = new CdkApp();
    expect(() => aws.HardTenantCluster.forTenants(app, ['team-a', 'team-b', 'team-a'], { env, version: eks.KubernetesVersion.V1_33 }))
      .toThrow(/invalid tenants\[2\] 'team-a': is listed twice/);
  });

  test('forTenants: one stack per tenant', () => {
    const app = new CdkApp();
    const stacks = aws.HardTenantCluster.forTenants(app, ['team-a', 'team-b'], { env, version: eks.KubernetesVersion.V1_33 });
    expect(stacks.map((s) => s.stackName)).toEqual(['tenant-team-a', 'tenant-team-b']);
  });
});
