import { App as CdkApp, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { App, Chart } from 'cdk8s';
import { aws, SoftTenant } from 'cdk8s-tenancy';

function cluster(): { stack: Stack; cluster: eks.Cluster } {
  const stack = new Stack(new CdkApp(), 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
  const c = new eks.Cluster(stack, 'Cluster', { version: eks.KubernetesVersion.V1_35, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 });
  return { stack, cluster: c };
}

describe('TenantFargateProfile', () => {
  const tenant = new SoftTenant(new Chart(new App(), 'c'), 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-jobs'] });
  const { stack, cluster: c } = cluster();
  new aws.TenantFargateProfile(stack, 'TeamA', { cluster: c, tenant, podLabels: { sandbox: 'fargate' } });
  const template = Template.fromStack(stack);

  test('selects exactly the tenant namespaces, with the pod labels', () => {
    template.resourceCountIs('AWS::EKS::FargateProfile', 1);
    template.hasResourceProperties('AWS::EKS::FargateProfile', {
      Selectors: [
        { Namespace: 'team-a', Labels: [{ Key: 'sandbox', Value: 'fargate' }] },
        { Namespace: 'team-a-jobs', Labels: [{ Key: 'sandbox', Value: 'fargate' }] },
      ],
      Tags: Match.arrayWith([{ Key: 'cdk8s-tenancy.io/tenant', Value: 'team-a' }]),
    });
  });

  test('runs in the private subnets only', () => {
    const props = template.findResources('AWS::EKS::FargateProfile');
    const subnets: any[] = Object.values(props)[0].Properties.Subnets;
    const privateIds = c.vpc.privateSubnets.map((s) => stack.resolve(s.subnetId));
    expect(subnets.length).toBe(privateIds.length);
    expect(subnets).toEqual(privateIds);
  });

  test('narrowed to some of the tenant\'s namespaces, it selects those only', () => {
    const { stack: s2, cluster: c2 } = cluster();
    new aws.TenantFargateProfile(s2, 'Jobs', { cluster: c2, tenant, namespaces: ['team-a-jobs'] });
    Template.fromStack(s2).hasResourceProperties('AWS::EKS::FargateProfile', { Selectors: [{ Namespace: 'team-a-jobs' }] });
  });

  test('has a pod execution role of its own', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'eks-fargate-pods.amazonaws.com' } })] },
    });
  });
});

describe('TenantFargateProfile bad input', () => {
  const big = new SoftTenant(new Chart(new App(), 'c'), 'T', { name: 'team-a', namespaces: ['a', 'b', 'c', 'd', 'e', 'f'] });
  test.each([
    ['more namespaces than Fargate selectors', { tenant: big }, /TeamA: invalid namespaces \["a","b","c","d","e","f"\]: must list 1 to 5 namespaces: a Fargate profile has at most 5 selectors/],
    ['no namespaces', { namespaces: [] }, /invalid namespaces \[\]: must list 1 to 5 namespaces/],
    ['kube-system next to the tenant\'s own (issue #16)', { namespaces: ['team-a', 'kube-system'] },
      /TeamA: invalid namespaces\[1\] 'kube-system': is not a namespace of tenant 'team-a' \(team-a, team-a-jobs\): a tenant's profile selects only the tenant's namespaces/],
    ['another tenant\'s namespace', { namespaces: ['team-b'] }, /invalid namespaces\[0\] 'team-b': is not a namespace of tenant 'team-a'/],
    ['a namespace listed twice', { namespaces: ['team-a', 'team-a'] }, /invalid namespaces \["team-a","team-a"\]: lists a namespace twice/],
    ['a tenant that is not a SoftTenant', { tenant: 'team-a' }, /invalid tenant 'team-a': must be a SoftTenant/],
    ['more than five pod labels', { podLabels: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }, /invalid podLabels .*: must have at most 5 labels/],
    ['a pod label that is not a label', { podLabels: { 'a b': 'c' } }, /invalid podLabels key 'a b'/],
    ['public subnets', { subnets: { subnetType: ec2.SubnetType.PUBLIC } }, /invalid subnets \[.*PublicSubnet1.*\]: are public subnets: Fargate pods must run in private subnets/],
  ])('%s', (_, override, message) => {
    const { stack, cluster: c } = cluster();
    const tenant = new SoftTenant(new Chart(new App(), 'c'), 'T', { name: 'team-a', namespaces: ['team-a', 'team-a-jobs'] });
    expect(() => new aws.TenantFargateProfile(stack, 'TeamA', { cluster: c, tenant, ...override } as any)).toThrow(message);
    expect(Template.fromStack(stack).findResources('AWS::EKS::FargateProfile')).toEqual({});
  });
});
