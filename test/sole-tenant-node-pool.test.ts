import { App as CdkApp, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { App, Chart } from 'cdk8s';
import { Deployment, TaintEffect } from 'cdk8s-plus-27';
import { find, synthObjects } from './helpers/manifests';
import { kubernetesEffect } from '../src/placement/internal/taint-effect';
import { aws, NODE_LABELS_POLICY_NAME, NODE_RESTRICTION_TENANT_LABEL, PlacementNodeLabel, SoftTenant, TenancyPlatform, TENANT_LABEL, TenantPlacement } from 'cdk8s-tenancy';

function cluster() {
  const stack = new Stack(new CdkApp(), 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
  const c = new eks.Cluster(stack, 'Cluster', { version: eks.KubernetesVersion.V1_35, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0 });
  return { stack, cluster: c };
}

describe('SoleTenantNodePool', () => {
  const { stack, cluster: c } = cluster();
  const pool = new aws.SoleTenantNodePool(stack, 'TeamANodes', {
    cluster: c,
    tenant: 'team-a',
    instanceTypes: [new ec2.InstanceType('m6i.large')],
    minSize: 2,
    maxSize: 6,
    desiredSize: 3,
    placement: TenantPlacement.forTenant('team-a', { effect: TaintEffect.NO_EXECUTE, nodeLabel: PlacementNodeLabel.kubeletLabel() }),
  });
  const template = Template.fromStack(stack);

  test('the node group\'s label and taint are exactly what the tenant\'s pods tolerate and require', () => {
    const nodegroup = Object.values(template.findResources('AWS::EKS::Nodegroup'))[0].Properties;
    // What the pods get, from the same placement:
    const chart = new Chart(new App(), 'c');
    const web = new Deployment(chart, 'web', { containers: [{ image: 'nginx', portNumber: 8080 }] });
    pool.placement.applyTo(web.scheduling);
    const podSpec = chart.toJson()[0].spec.template.spec;
    const [toleration] = podSpec.tolerations;
    const [term] = podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    const [taint] = nodegroup.Taints;
    // the toleration matches the taint...
    expect([toleration.key, toleration.operator, toleration.value, toleration.effect]).toEqual([taint.Key, 'Equal', taint.Value, kubernetesEffect(taint.Effect)]);
    // ...and the affinity selects the label
    expect(term.matchExpressions).toEqual([{ key: TENANT_LABEL, operator: 'In', values: [nodegroup.Labels[TENANT_LABEL]] }]);
    expect(nodegroup.Labels).toEqual({ [TENANT_LABEL]: 'team-a' });
    expect(taint).toEqual({ Key: TENANT_LABEL, Value: 'team-a', Effect: 'NO_EXECUTE' });
  });

  test('sizing, instance types, capacity type, private subnets, tenant tag', () => {
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      ScalingConfig: { MinSize: 2, MaxSize: 6, DesiredSize: 3 },
      InstanceTypes: ['m6i.large'],
      CapacityType: 'ON_DEMAND',
      Subnets: c.vpc.privateSubnets.map((s) => stack.resolve(s.subnetId)),
      Tags: Match.objectLike({ [TENANT_LABEL]: 'team-a' }),
    });
  });

  test('applying a chart needs the cluster\'s kubectl provider, and says so', () => {
    const tenant = new SoftTenant(new Chart(new App(), 'team-a'), 'T', { name: 'team-a' });
    expect(() => pool.addChart('Baseline', tenant.node.scope!)).toThrow(/TeamANodes: invalid cluster 'Platform\/Cluster': has no kubectl provider.*kubectlProviderOptions/);
  });

  test('by default the nodes attract by the kubelet-set tenant label, and the tenant gets the node label guard with the placement (issue #16)', () => {
    const { stack: s, cluster: cl } = cluster();
    const plain = new aws.SoleTenantNodePool(s, 'TeamANodes', { cluster: cl, tenant: 'team-a' });
    expect(plain.placement.nodeLabel.key).toBe(TENANT_LABEL);
    expect(plain.placement.nodeLabel.kubeletSettable).toBe(true);
    // No label under kubernetes.io/: the EKS API refuses them.
    const labels = Object.values(Template.fromStack(s).findResources('AWS::EKS::Nodegroup'))[0].Properties.Labels;
    expect(Object.keys(labels).filter((k) => k.includes('kubernetes.io/'))).toEqual([]);
    const app = new App();
    new TenancyPlatform(app, 'platform');
    const tenant = new SoftTenant(new Chart(app, 'team-a'), 'TeamA', { name: 'team-a' });
    tenant.addExtension(plain.placement);
    const objects = synthObjects(app);
    expect(find(objects, 'ValidatingAdmissionPolicy', NODE_LABELS_POLICY_NAME).spec.matchConditions).toEqual([{ name: 'kubelets', expression: "'system:nodes' in request.userInfo.groups" }]);
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', NODE_LABELS_POLICY_NAME).spec.validationActions).toEqual(['Deny']);
    expect(find(objects, 'Namespace', 'team-a').metadata.labels!['cdk8s-tenancy.io/dedicated-nodes']).toBe('true');
  });
});

describe('SoleTenantNodePool bad input', () => {
  test.each([
    ['min above max', { minSize: 4, maxSize: 2 }, /TeamANodes: invalid minSize 4: must not exceed maxSize \(2\)/],
    ['desired below min', { minSize: 2, maxSize: 4, desiredSize: 1 }, /invalid desiredSize 1: must be within \[minSize, maxSize\] = \[2, 4\]/],
    ['desired above max', { maxSize: 4, desiredSize: 5 }, /invalid desiredSize 5: must be within/],
    ['a negative size', { minSize: -1 }, /invalid minSize -1: must be a whole number of 0 or more/],
    ['no instance types', { instanceTypes: [] }, /invalid instanceTypes \[\]: must list at least one instance type/],
    ['a tenant name that is not a DNS label', { tenant: 'Team_A' }, /invalid placement tenant 'Team_A': must be a DNS-1123 label/],
    ['another tenant\'s placement', { placement: TenantPlacement.forTenant('team-b') }, /invalid placement 'team-b': is the placement of another tenant than 'team-a'/],
    ['an effect that is not one of three', { placement: TenantPlacement.forTenant('team-a', { effect: 'Sometimes' as TaintEffect }) }, /invalid placement effect 'Sometimes'/],
    ['the node-restriction label, which a node group cannot set (issue #16)', { placement: TenantPlacement.forTenant('team-a') },
      new RegExp(`TeamANodes: invalid placement nodeLabel '${NODE_RESTRICTION_TENANT_LABEL}': cannot be set by an EKS managed node group: the EKS API rejects node labels under kubernetes.io/, `
        + 'and a kubelet refuses them in --node-labels\\. Use TenantPlacement\\.forTenant\\(\'team-a\', \\{ nodeLabel: PlacementNodeLabel\\.kubeletLabel\\(\\) \\}\\).*addKarpenterNodePool')],
    ['a node label that is not a PlacementNodeLabel', { placement: TenantPlacement.forTenant('team-a', { nodeLabel: { key: 'example.com/tenant' } as unknown as PlacementNodeLabel }) },
      /invalid placement nodeLabel 'example.com\/tenant': must be PlacementNodeLabel.nodeRestriction\(\) \('node-restriction.kubernetes.io\/cdk8s-tenancy-tenant'\) or PlacementNodeLabel.kubeletLabel\(\) \('cdk8s-tenancy.io\/tenant'\)/],
  ])('%s', (_, override, message) => {
    const { stack, cluster: c } = cluster();
    expect(() => new aws.SoleTenantNodePool(stack, 'TeamANodes', { cluster: c, tenant: 'team-a', ...override })).toThrow(message);
    expect(Template.fromStack(stack).findResources('AWS::EKS::Nodegroup')).toEqual({});
  });
});
