import { App as CdkApp } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { aws } from 'cdk8s-tenancy';

/*
 * Cost attribution on AWS (issue #20 item 8): the tenant tag and the
 * platform's cost tags on every taggable resource of a tenant's stack.
 */

const env = { account: '111111111111', region: 'eu-west-1' };

/** Each resource's tags as a map, whether CloudFormation takes them as a list or a map. */
function tagsOf(resource: any): Record<string, string> | undefined {
  const tags = resource.Properties?.Tags;
  if (tags === undefined) return undefined;
  return Array.isArray(tags) ? Object.fromEntries(tags.map((t: any) => [t.Key, t.Value])) : tags;
}

describe('a tenant\'s stack', () => {
  const app = new CdkApp();
  const stack = new aws.HardTenantCluster(app, 'TeamA', {
    env,
    tenant: 'team-a',
    version: eks.KubernetesVersion.V1_35,
    compute: aws.TenantClusterCompute.nodeGroup(),
    costTags: { 'cost-centre': 'cc-1234', 'owner': 'team-a@example.com' },
  });
  const resources = Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>);
  const tagged = resources.filter(([, r]) => tagsOf(r) !== undefined);

  test('every resource that takes tags has the tenant tag and the cost tags', () => {
    // The VPC and its parts, the KMS key, the cluster, the node group, the flow log's role and group...
    expect(tagged.length).toBeGreaterThan(15);
    for (const [id, r] of tagged) {
      expect([id, r.Type, tagsOf(r)]).toEqual([id, r.Type, expect.objectContaining({
        'cdk8s-tenancy.io/tenant': 'team-a', 'cost-centre': 'cc-1234', 'owner': 'team-a@example.com',
      })]);
    }
  });

  test('the resources that matter most for cost are among them', () => {
    const types = new Set(tagged.map(([, r]) => r.Type));
    for (const type of ['AWS::EKS::Cluster', 'AWS::EKS::Nodegroup', 'AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
  });

  test('without cost tags, the tenant tag alone', () => {
    const other = new aws.HardTenantCluster(new CdkApp(), 'TeamB', { env, tenant: 'team-b', version: eks.KubernetesVersion.V1_35 });
    const cluster = Object.values(Template.fromStack(other).findResources('AWS::EKS::Cluster'))[0];
    expect(tagsOf(cluster)).toEqual({ 'cdk8s-tenancy.io/tenant': 'team-b' });
  });
});

describe('bad cost tags: an error naming the prop, the value and the rule; no stack', () => {
  test.each([
    ['an aws: key', { 'aws:cost': 'x' }, /TeamA: invalid costTags key 'aws:cost': must be an AWS tag key: 1 to 128 .* not starting with 'aws:'/],
    ['a key over 128 characters', { ['k'.repeat(129)]: 'x' }, /invalid costTags key 'k{129}': must be an AWS tag key/],
    ['a key with a character AWS refuses', { 'cost{centre}': 'x' }, /invalid costTags key 'cost\{centre\}'/],
    ['the tenant tag', { 'cdk8s-tenancy.io/tenant': 'team-b' }, /invalid costTags key 'cdk8s-tenancy.io\/tenant': is the tenant tag, which the library sets itself/],
    ['a value over 256 characters', { 'cost-centre': 'v'.repeat(257) }, /invalid costTags\['cost-centre'\] 'v{257}': must be an AWS tag value: at most 256/],
    ['a value with a character AWS refuses', { 'cost-centre': 'cc#1' }, /invalid costTags\['cost-centre'\] 'cc#1': must be an AWS tag value/],
  ])('%s', (_, costTags, message) => {
    const app = new CdkApp();
    expect(() => new aws.HardTenantCluster(app, 'TeamA', { env, tenant: 'team-a', version: eks.KubernetesVersion.V1_35, costTags })).toThrow(message);
    expect(app.node.children).toEqual([]);
  });
});
