import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { vcluster } from '../../examples/vcluster/app';
import { synthObjects } from '../helpers/manifests';

// The vcluster chart itself is rendered by Helm in another test; here, what
// the library emits around it (the Argo CD Application, the Flux
// HelmRelease, the tenants' namespaces, guards and RBAC).
exampleSuite('vcluster', {
  objects: () => { const app = Testing.app(); vcluster(app); return synthObjects(app); },
  podTemplates: 0,
});
