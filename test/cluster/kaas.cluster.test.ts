import { App as CdkApp } from 'aws-cdk-lib';
import { exampleSuite } from './example-suite';
import { kaas } from '../../examples/kaas/app';
import { synthObjects } from '../helpers/manifests';

// The baseline HardTenantCluster installs into each tenant's own EKS
// cluster. The three clusters' baselines differ only in the tenant's name;
// the first one is applied here, to its own API server.
exampleSuite('kaas', {
  objects: () => {
    const clusters = kaas(new CdkApp(), { account: '123456789012', region: 'eu-west-1' });
    return synthObjects(clusters[0].baseline.node.root as any);
  },
  podTemplates: 0,
});
