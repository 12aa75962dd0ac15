// Kubernetes as a service (seed 003 "Kubernetes as a Service"; hard
// multi-tenancy): every customer gets an EKS cluster of its own, in a stack
// of its own, with its tenant baseline inside. Deploy one customer with
// `cdk deploy Tenant-<customer>` (the stack id; `tenant-<customer>` is its
// CloudFormation name).
import { App, Environment } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as aws from 'cdk8s-tenancy/aws';

export function kaas(app: App, env: Environment): aws.HardTenantCluster[] {
  return aws.HardTenantCluster.forTenants(app, ['acme', 'globex', 'initech'], {
    env,
    version: eks.KubernetesVersion.V1_35,
    platformAdmins: [`arn:aws:iam::${env.account}:role/platform-admins`],
    // Beside the tenant tag every resource gets: the product line that pays
    // for these clusters (activate both as cost allocation tags in Billing).
    costTags: { 'cost-centre': 'kaas' },
  });
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/examples/kaas/cdk.out' });
  const clusters = kaas(app, { account: '123456789012', region: 'eu-west-1' });
  app.synth();
  console.log(`Synthesized ${clusters.length} tenant stacks into ${app.outdir}/`);
}
