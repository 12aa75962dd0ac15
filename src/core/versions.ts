/**
 * Every third-party version the library pins or accepts, in one place: the
 * constructs, the audit, the README's version table and the tests read them
 * from here. Checked against the upstream releases on {@link VERSIONS_CHECKED}.
 *
 * This module imports nothing of ours, so anything may import it.
 */

/** The day the versions below were last checked against upstream. */
export const VERSIONS_CHECKED = '2026-12-01';

// ---------------------------------------------------------------- Kubernetes

/**
 * The oldest Kubernetes minor the library supports: the oldest EKS still
 * runs (1.32, in extended support). ValidatingAdmissionPolicy v1 is GA on
 * all of them.
 */
export const KUBERNETES_OLDEST_MINOR = 32;

/**
 * The newest Kubernetes minor the library knows: the newest aws-cdk-lib
 * 2.276's `KubernetesVersion` lists. A Pod Security version newer than this
 * is refused: it names rules nobody has read yet, and an older API server
 * would silently treat it as `latest`.
 */
export const KUBERNETES_NEWEST_MINOR = 37;

/**
 * The minors EKS runs in extended support only (paid, shorter): accepted,
 * with a warning.
 */
export const KUBERNETES_EXTENDED_SUPPORT_MINORS: readonly number[] = [32, 33];

/** The minors EKS runs in standard support (1.34 leaves it in December 2026). */
export const KUBERNETES_STANDARD_SUPPORT_MINORS: readonly number[] = [34, 35, 36, 37];

/**
 * Whether `minor` is too old, in extended support or in standard support,
 * for a Kubernetes `1.<minor>`.
 */
export function kubernetesSupport(minor: number): 'unsupported' | 'extended' | 'standard' {
  if (!Number.isInteger(minor) || minor < KUBERNETES_OLDEST_MINOR) return 'unsupported';
  return KUBERNETES_EXTENDED_SUPPORT_MINORS.includes(minor) ? 'extended' : 'standard';
}

// -------------------------------------------------------------- Pod Security

/**
 * The `enforce-version` of every namespace the library writes unless told
 * otherwise: the oldest supported Kubernetes minor. Pinned, not `latest`, so
 * a cluster upgrade never tightens the rules under running workloads
 * unannounced; `audit` and `warn` run at {@link POD_SECURITY_AUDIT_VERSION}
 * so the newest rules are reported before anyone pins them.
 */
export const DEFAULT_POD_SECURITY_VERSION = `v1.${KUBERNETES_OLDEST_MINOR}`;

/** The version the `audit` and `warn` modes use: the cluster's own. */
export const POD_SECURITY_AUDIT_VERSION = 'latest';

/**
 * Why `version` is not an acceptable Pod Security `enforce-version`, or
 * `undefined` when it is: a Kubernetes minor from the oldest supported to
 * the newest known. `latest` is refused for enforce (it is what audit and
 * warn use): enforcing it would let a cluster upgrade start refusing pods.
 * The constructs and the audit both ask this function.
 */
export function podSecurityVersionProblem(version: string): string | undefined {
  const allowed = `a Kubernetes minor from v1.${KUBERNETES_OLDEST_MINOR} to v1.${KUBERNETES_NEWEST_MINOR}, e.g. '${DEFAULT_POD_SECURITY_VERSION}' (the default)`;
  if (version === 'latest') {
    return `must be pinned to ${allowed}: 'latest' lets a cluster upgrade tighten the rules under running workloads unannounced (audit and warn already run at 'latest').`;
  }
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(version);
  if (!m) return `must be ${allowed}.`;
  const minor = Number(m[1]);
  if (minor < KUBERNETES_OLDEST_MINOR) return `is older than the oldest supported Kubernetes: must be ${allowed}.`;
  if (minor > KUBERNETES_NEWEST_MINOR) return `is newer than the newest Kubernetes the library knows (v1.${KUBERNETES_NEWEST_MINOR}): must be ${allowed}.`;
  return undefined;
}

// --------------------------------------------------------------------- Istio

/** The Sail operator release whose `Istio` CRD the library emits against. */
export const SAIL_OPERATOR_VERSION = '1.30.3';

/**
 * The Istio releases Sail {@link SAIL_OPERATOR_VERSION} installs, by minor:
 * the newest patch of each. Sail's CRD enum lists older ones too (v1.21.6
 * to v1.27.9), but the operator refuses them as end-of-life, so the library
 * does as well.
 */
export const ISTIO_NEWEST_PATCHES: { readonly [minor: string]: number } = {
  'v1.28': 10,
  'v1.29': 6,
  'v1.30': 3,
};

/** The Istio release the examples, docs and tests use. */
export const ISTIO_DEFAULT_VERSION = 'v1.30.3';

/**
 * Every accepted Istio version: each supported release (`v1.30.3`), and, if
 * `aliases`, Sail's `-latest` alias of each minor (`v1.30-latest`).
 */
export function istioVersions(aliases: boolean): string[] {
  const out: string[] = [];
  for (const [minor, newest] of Object.entries(ISTIO_NEWEST_PATCHES)) {
    for (let p = 0; p <= newest; p++) out.push(`${minor}.${p}`);
    if (aliases) out.push(`${minor}-latest`);
  }
  return out;
}

// ------------------------------------------------------------ policy engines

/** The oldest OPA Gatekeeper minor the Gatekeeper placement engine supports (CEL templates with `namespaceObject`). */
export const GATEKEEPER_OLDEST = '3.22';

/** The newest OPA Gatekeeper release the library is checked against. */
export const GATEKEEPER_NEWEST = '3.23.0';

/** The Kyverno release whose policy CRDs the library is checked against. */
export const KYVERNO_NEWEST = '1.19.0';

/**
 * The Hierarchical Namespace Controller release self-service namespaces use
 * (`hnc.x-k8s.io/v1alpha2`). Upstream is dormant: v1.1.0 (2023-06) is its
 * newest release.
 */
export const HNC_VERSION = 'v1.1.0';

// -------------------------------------------------------------------- GitOps

/**
 * The Argo CD release whose own AppProject code judges the projects the
 * library writes (`test/engines/argocd` pins `github.com/argoproj/argo-cd/v3`
 * at it; the newest release, checked 2026-12-01).
 */
export const ARGO_CD_CHECKED = '3.6.1';

/**
 * The first Argo CD minor with sync impersonation
 * (`destinationServiceAccounts`), which tenants' own projects rely on.
 */
export const ARGO_CD_OLDEST = '2.13';

/**
 * The vcluster chart version used when none is given (checked 2026-11): the
 * tests validate the values the library writes against this release's
 * values.schema.json and render its chart with Helm.
 */
export const VCLUSTER_CHART_VERSION = '0.36.1';

/**
 * The vcluster minor releases the library's values are valid for: 0.36
 * only. From 0.36.0 the chart refuses `sync.toHost.volumeSnapshotContents`
 * (older values set it), and the values lock syncs that releases before
 * 0.35 do not know (their schema refuses unknown keys). Patch releases of
 * a minor keep its values schema.
 */
export const SUPPORTED_VCLUSTER_CHART_MINORS: readonly string[] = ['0.36'];
