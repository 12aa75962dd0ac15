import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { vcluster } from '../../examples/vcluster/app';
import { synthObjects } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';

// What the library emits around the vcluster chart (the Argo CD
// Application, the Flux HelmRelease, the tenants' namespaces, guards and
// RBAC); the chart itself, rendered by Helm and applied into the host
// namespaces, is vcluster-host.cluster.test.ts's.
exampleSuite('vcluster', {
  objects: () => { const app = Testing.app({ outdir: tempDir('cdk8s-app-') }); vcluster(app); return synthObjects(app); },
  podTemplates: 0,
});
