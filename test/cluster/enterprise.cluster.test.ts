import { Testing } from 'cdk8s';
import { exampleSuite } from './example-suite';
import { serviceAccount } from './fixture';
import { enterprise } from '../../examples/enterprise/app';
import { istioInjectedPod } from '../fixtures/istio-injected-pod';
import { synthObjects } from '../helpers/manifests';
import { tempDir } from '../helpers/temp-dir';

// The payments API Deployment: sandboxed, on dedicated nodes, under the
// `restricted` Pod Security level of its namespace; data's metastore
// StatefulSet, at the team's default priority class and RuntimeClass (runc,
// whose RuntimeClass the platform declares), which the pod classes guard
// requires.
exampleSuite('enterprise', {
  objects: () => { const app = Testing.app({ outdir: tempDir('cdk8s-app-') }); enterprise(app); return synthObjects(app); },
  podTemplates: 2,
  // Issue 16: the shop runs in its own mesh under `restricted`; the pod
  // Istio's injector makes of a shop workload (the CNI plugin on, so
  // istio-validation rather than istio-init; istio-proxy as a native
  // sidecar) must be admitted there, by the real Pod Security, quota and
  // LimitRange.
  injectedPods: () => [{
    source: 'a shop pod after Istio 1.30 sidecar injection (test/fixtures/istio-injected-pod.ts)',
    pod: istioInjectedPod({ namespace: 'shop', revision: 'shop', cni: true }),
    creator: serviceAccount('kube-system', 'replicaset-controller'),
  }],
});
