import * as YAML from 'yaml';
import {
  isPlainObject, LOCKED_VALUE_PATHS, mergeValues, NON_ROOT_ID_KEYS, POD_SECURITY_STANDARD_PATH, secureValues, VCLUSTER_CHART,
} from './vcluster-values';
import { YAML_OPTIONS } from '../../audit/kit/loader';
import { Manifests } from '../../audit/kit/model';
import { CONTROL_PLANE_OF_LABEL } from '../../core/labels';

/** A vcluster chart release, from an Argo CD Application or a Flux HelmRelease, whoever wrote it. */
export interface VClusterRelease {
  readonly object: any;
  /** The namespace the chart installs into, if the object names one. */
  readonly namespace?: string;
  /** The field naming that namespace. */
  readonly namespaceField: string;
  /** The field holding the values. */
  readonly valuesField: string;
  /** The tenant it was written for (the control-plane-of label). */
  readonly owner?: string;
  /** The values the manifests hold, merged in the controller's order. */
  readonly values: Record<string, unknown>;
  /** Fields bringing values the manifests do not hold. */
  readonly unseen: string[];
}

/** A value under a locked path that weakens isolation. */
export interface ValueProblem {
  readonly message: string;
  readonly fix: string;
}

const STANDARDS = ['privileged', 'baseline', 'restricted'];

/** Every vcluster release in the manifests. */
export function vclusterReleases(m: Manifests): VClusterRelease[] {
  const out: VClusterRelease[] = [];
  const owner = (o: any): string | undefined => o.metadata?.labels?.[CONTROL_PLANE_OF_LABEL];
  for (const { object: o } of m.kind('Application')) {
    if (!String(o.apiVersion).startsWith('argoproj.io/')) continue;
    const sources: [string, any][] = [['spec.source', o.spec?.source], ...(Array.isArray(o.spec?.sources) ? o.spec.sources : []).map((s: any, i: number) => [`spec.sources[${i}]`, s] as [string, any])];
    for (const [field, source] of sources.filter(([, s]) => s?.chart === VCLUSTER_CHART)) {
      const helm = source.helm ?? {};
      const unseen: string[] = [];
      // Argo CD's order: valueFiles, then values, then valuesObject, then parameters.
      if ((helm.valueFiles ?? []).length > 0) unseen.push(`${field}.helm.valueFiles`);
      if ((helm.fileParameters ?? []).length > 0) unseen.push(`${field}.helm.fileParameters`);
      let values: Record<string, unknown> = {};
      if (typeof helm.values === 'string') {
        let parsed: unknown;
        try {
          parsed = YAML.parse(helm.values, YAML_OPTIONS);
        } catch {
          unseen.push(`${field}.helm.values (not valid YAML)`);
        }
        if (isPlainObject(parsed)) values = parsed;
      } else if (isPlainObject(helm.values)) {
        values = helm.values;
      }
      if (isPlainObject(helm.valuesObject)) values = mergeValues(values, helm.valuesObject);
      for (const p of helm.parameters ?? []) {
        if (typeof p?.name === 'string') values = mergeValues(values, setting(p.name, p.forceString ? String(p.value) : parsedScalar(p.value)));
      }
      out.push({
        object: o,
        namespace: o.spec?.destination?.namespace,
        namespaceField: 'spec.destination.namespace',
        valuesField: `${field}.helm.valuesObject`,
        owner: owner(o),
        values,
        unseen,
      });
    }
  }
  for (const { object: o } of m.kind('HelmRelease')) {
    if (!String(o.apiVersion).startsWith('helm.toolkit.fluxcd.io/') || o.spec?.chart?.spec?.chart !== VCLUSTER_CHART) continue;
    out.push({
      object: o,
      namespace: o.spec?.targetNamespace ?? o.metadata?.namespace,
      namespaceField: 'spec.targetNamespace',
      valuesField: 'spec.values',
      owner: owner(o),
      values: isPlainObject(o.spec?.values) ? o.spec.values : {},
      unseen: (o.spec?.valuesFrom ?? []).length > 0 ? ['spec.valuesFrom'] : [],
    });
  }
  return out;
}

/**
 * Where `values` weaken what the library locks: every locked path must hold
 * the library's secure value (any non-root id where it sets one), the Pod
 * Security standard at least `standard`, and locked paths the library leaves
 * to the chart nothing at all.
 */
export function weakenedValues(values: Record<string, unknown>, standard: string, where: string): ValueProblem[] {
  const secure = secureValues(standard) as unknown as Record<string, unknown>;
  const out: ValueProblem[] = [];
  const sets = (path: string, value: unknown) => `sets ${path} to ${JSON.stringify(value)}`;
  const compare = (path: string, want: unknown, have: unknown) => {
    if (have === undefined) {
      out.push({ message: `does not set ${path}: the chart's default applies`, fix: `Set ${path}: ${JSON.stringify(want)} in ${where}.` });
    } else if (path === POD_SECURITY_STANDARD_PATH) {
      if (STANDARDS.indexOf(String(have)) < STANDARDS.indexOf(String(want))) {
        out.push({ message: `sets ${path} to ${JSON.stringify(have)}, weaker than the host namespace's '${want}'`, fix: `Set ${path}: ${want} in ${where} (the host namespace's pod-security.kubernetes.io/enforce).` });
      }
    } else if (isPlainObject(want)) {
      if (!isPlainObject(have)) {
        out.push({ message: `${sets(path, have)}, not an object`, fix: `Set ${path}: ${JSON.stringify(want)} in ${where}.` });
        return;
      }
      for (const [k, v] of Object.entries(want)) compare(`${path}.${k}`, v, have[k]);
      for (const k of Object.keys(have).filter((x) => !(x in want))) {
        out.push({ message: `sets ${path}.${k}, under a path the library locks`, fix: `Remove ${path}.${k} from ${where}.` });
      }
    } else if (Array.isArray(want)) {
      if (!Array.isArray(have) || !want.every((x) => have.includes(x))) {
        out.push({ message: `${sets(path, have)}, without ${JSON.stringify(want)}`, fix: `Set ${path}: ${JSON.stringify(want)} in ${where}.` });
      }
    } else if (NON_ROOT_ID_KEYS.includes(path.split('.').pop()!)) {
      if (!Number.isInteger(have) || (have as number) <= 0) {
        out.push({ message: `${sets(path, have)}: root or not an id`, fix: `Set ${path} to a non-root id (the library uses ${want}) in ${where}.` });
      }
    } else if (have !== want) {
      out.push({ message: `${sets(path, have)}, where the library locks ${JSON.stringify(want)}`, fix: `Set ${path}: ${JSON.stringify(want)} in ${where}.` });
    }
  };
  for (const path of LOCKED_VALUE_PATHS) {
    const keys = path.split('.');
    const want = valueAt(secure, keys);
    const have = valueAt(values, keys);
    if (want !== undefined) compare(path, want, have);
    else if (have !== undefined) out.push({ message: `sets ${path}, which the library locks and leaves to the chart`, fix: `Remove ${path} from ${where}.` });
  }
  return out;
}

function valueAt(o: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((x, k) => (isPlainObject(x) ? x[k] : undefined), o);
}

/** `a.b.c=v` as nested values (Helm's --set, without its escapes and indices). */
function setting(name: string, value: unknown): Record<string, unknown> {
  return name.split('.').reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
}

/** A --set value as Helm reads it: booleans and integers are typed. */
function parsedScalar(value: unknown): unknown {
  if (value === 'true' || value === 'false') return value === 'true';
  return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
}
