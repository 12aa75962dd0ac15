import * as YAML from 'yaml';
import { K8sObject } from './manifests';

/*
 * What the vcluster syncer (v0.36.1) writes into the host namespace, from
 * the rendered chart: the control plane's config (vcluster.yaml, the
 * config Secret the chart renders) and its pod translator
 * (pkg/controllers/resources/pods/translate/translator.go). The syncer is
 * not run here; these are stand-ins of the shape it makes.
 */

/** The vcluster.yaml the control plane runs with: the rendered config Secret's. */
export function controlPlaneConfig(rendered: K8sObject[]): any {
  const secret = rendered.find((o) => o.kind === 'Secret' && o.data?.['config.yaml']);
  if (!secret) throw new Error('the rendered chart holds no config Secret');
  return YAML.parse(Buffer.from(secret.data['config.yaml'], 'base64').toString('utf8'));
}

/**
 * A toleration of `sync.toHost.pods.enforceTolerations`, as vcluster parses
 * it (pkg/util/toleration ParseToleration): only the `key=value:effect`
 * form the library writes (operator Equal); any other form fails here
 * rather than be guessed.
 */
export function parseEnforcedToleration(s: string): { key: string; operator: string; value: string; effect: string } {
  const m = /^([^=:]+)=([^=:]*):([^=:]+)$/.exec(s);
  if (!m) throw new Error(`not a key=value:effect toleration: ${s}`);
  return { key: m[1], operator: 'Equal', value: m[2], effect: m[3] };
}

/**
 * The host pod the syncer creates for a bare virtual pod `name` in the
 * virtual namespace `default`: translated name and vcluster's labels and
 * annotations, the workload service account without a token, no service
 * links, the kubernetes host alias, the classes and enforced tolerations
 * of vcluster.yaml (sync.toHost.pods), and the virtual pod's own spec (no
 * node affinity: the tenant's workloads inside the virtual cluster know
 * nothing of the host's nodes). `spec` adds to it.
 */
export function syncedPod(namespace: string, release: string, config: any, name: string, spec: Record<string, unknown> = {}): K8sObject {
  const pods = config.sync?.toHost?.pods ?? {};
  const tolerations = (pods.enforceTolerations ?? []).map(parseEnforcedToleration);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-x-default-x-${release}`,
      namespace,
      labels: { 'vcluster.loft.sh/managed-by': release, 'vcluster.loft.sh/namespace': 'default', [`app-x-default-x-${release}`]: name },
      annotations: {
        'vcluster.loft.sh/name': name,
        'vcluster.loft.sh/namespace': 'default',
        'vcluster.loft.sh/uid': '0b8e5a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
        'vcluster.loft.sh/service-account-name': 'default',
        'vcluster.loft.sh/object-name': name,
      },
    },
    spec: {
      serviceAccountName: `vc-workload-${release}`,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostAliases: [{ ip: '10.96.0.10', hostnames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc'] }],
      hostname: name,
      ...(pods.runtimeClassName ? { runtimeClassName: pods.runtimeClassName } : {}),
      ...(pods.priorityClassName ? { priorityClassName: pods.priorityClassName } : {}),
      ...(tolerations.length ? { tolerations } : {}),
      containers: [{
        name: 'app',
        image: 'registry.example.com/app:1',
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      }],
      ...spec,
    },
  } as any;
}
