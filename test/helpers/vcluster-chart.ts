import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import * as YAML from 'yaml';
import { SHARED } from './crd-schema';
import { buildGoTool } from './go-tool';
import { K8sObject } from './manifests';
import { tempDir } from './temp-dir';
import { VCLUSTER_CHART_VERSION } from 'cdk8s-tenancy';

/*
 * The real vcluster chart of the pinned release (../shared/charts, unmodified)
 * and the real Helm, built from its Go module (test/engines/helm pins it), to
 * check the values the library writes: against the chart's values.schema.json
 * (JSON Schema 2020-12), and by rendering the chart, whose templates refuse
 * what the schema still accepts (templates/_validate.tpl).
 */

/** The chart of the pinned release: a pin without its chart here fails the suite. */
export const VCLUSTER_CHART_DIR = path.join(SHARED, 'charts', `vcluster-v${VCLUSTER_CHART_VERSION}`);

/** The Kubernetes version Helm renders for (`.Capabilities.KubeVersion`: the chart's Role differs from 1.35 on). */
export const RENDER_KUBE_VERSION = 'v1.34.0';

const HELM_MODULE = path.resolve(__dirname, '..', 'engines', 'helm');

let schemaValidator: ValidateFunction | undefined;

/** Throws, naming every violation, when `values` do not match the pinned chart's values.schema.json. */
export function validateVClusterValues(values: Record<string, unknown>): void {
  if (!schemaValidator) {
    const schema = JSON.parse(fs.readFileSync(path.join(VCLUSTER_CHART_DIR, 'values.schema.json'), 'utf8'));
    schemaValidator = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  }
  if (!schemaValidator(values)) {
    const errors = (schemaValidator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${(e.params as any).additionalProperty})` : ''}`);
    throw new Error(`values do not match the vcluster ${VCLUSTER_CHART_VERSION} values.schema.json: ${errors.join('; ')}`);
  }
}

/** The Helm binary, built on first use and cached (see go-tool.ts). */
export function helmBinary(): string {
  return buildGoTool({ moduleDir: HELM_MODULE, pkg: 'helm.sh/helm/v3/cmd/helm', name: 'helm' });
}

export interface ChartRelease {
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
}

/** The release an Argo CD Application or Flux HelmRelease of the vcluster chart describes. */
export function releaseOf(o: K8sObject): ChartRelease {
  if (o.kind === 'Application') {
    return { releaseName: o.spec.source.helm.releaseName, namespace: o.spec.destination.namespace, values: o.spec.source.helm.valuesObject };
  }
  if (o.kind === 'HelmRelease') {
    return { releaseName: o.spec.releaseName, namespace: o.spec.targetNamespace, values: o.spec.values };
  }
  throw new Error(`${o.kind} ${o.metadata.name} is not a vcluster release`);
}

/**
 * `helm template` of the pinned vcluster chart with a release's values: the
 * objects the GitOps controller would apply to the host. The cluster tier
 * applies these to a real API server (the tenant's Pod Security, quota and
 * NetworkPolicies must admit them). Throws Helm's message when the chart
 * refuses the values.
 */
export function renderVClusterRelease(release: ChartRelease, kubeVersion = RENDER_KUBE_VERSION): K8sObject[] {
  const dir = tempDir('vcluster-render-');
  try {
    const valuesFile = path.join(dir, 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify(release.values));
    let out: string;
    try {
      out = execFileSync(helmBinary(), ['template', release.releaseName, VCLUSTER_CHART_DIR, '--namespace', release.namespace,
        '--kube-version', kubeVersion, '--values', valuesFile], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        // Helm keeps nothing of ours: its config, cache and data go to the temporary folder.
        env: { ...process.env, HELM_CONFIG_HOME: dir, HELM_CACHE_HOME: dir, HELM_DATA_HOME: dir },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`helm template of vcluster ${VCLUSTER_CHART_VERSION} failed: ${(err.stderr ?? err.message).trim()}`);
    }
    return YAML.parseAllDocuments(out).map((d) => d.toJSON()).filter((o) => o && typeof o === 'object') as K8sObject[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders the release an Argo CD Application or Flux HelmRelease describes. */
export function renderVClusterObject(o: K8sObject, kubeVersion = RENDER_KUBE_VERSION): K8sObject[] {
  return renderVClusterRelease(releaseOf(o), kubeVersion);
}
