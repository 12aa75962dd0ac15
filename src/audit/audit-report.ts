/**
 * The outcome of one check for one tenant.
 */
export enum CheckStatus {
  /** The invariant holds. */
  PASS = 'pass',
  /** The invariant does not hold; see the findings. */
  FAIL = 'fail',
  /**
   * The manifests are accepted as they are (e.g. written with an earlier
   * release's convention), with something to change: see the findings, each
   * a warning with its fix. Does not fail the audit.
   */
  WARN = 'warn',
  /** Nothing to check (e.g. no placement, no mesh). */
  NOT_APPLICABLE = 'n/a',
}

/**
 * One object that breaks a check, and what to do about it.
 */
export interface AuditFinding {
  /** `Kind namespace/name` of the offending object (or of what is missing). */
  readonly object: string;
  /** The file the object came from, when the audit read files. */
  readonly source?: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /**
   * A warning: accepted as it is, but worth changing (the fix says how).
   * A check whose findings are all warnings has the status `WARN`.
   *
   * @default false
   */
  readonly warning?: boolean;
}

/**
 * The result of one check for one tenant.
 */
export interface CheckResult {
  /** The check's id, e.g. `network.default-deny`. */
  readonly id: string;
  /** What the check verifies. */
  readonly title: string;
  /** The Multi-Tenancy Benchmark check it corresponds to, where one exists. */
  readonly benchmark?: string;
  /** The outcome. */
  readonly status: CheckStatus;
  /** Why it failed (empty when it passed). */
  readonly findings: AuditFinding[];
}

/**
 * Every check for one tenant.
 */
export interface TenantAuditResult {
  /** The tenant (value of the tenant label). */
  readonly tenant: string;
  /** Its namespaces, found by the tenant label. */
  readonly namespaces: string[];
  /** One result per check. */
  readonly checks: CheckResult[];
}

/**
 * Traffic that can flow from one tenant to another, as the NetworkPolicies
 * allow it.
 */
export interface ReachabilityEntry {
  /** The tenant whose pods open the connection. */
  readonly from: string;
  /** The tenant whose pods accept it. */
  readonly to: string;
  /** Whether both sides name each other explicitly (a declared peer). */
  readonly declared: boolean;
  /**
   * The ports that get through (egress of one side AND ingress of the
   * other): `all`, or e.g. `TCP/8080, UDP/53`.
   */
  readonly ports: string;
}

/**
 * A file the audit recognised as something other than Kubernetes manifests
 * (Helm chart files and templates, Kustomize files, project files), counted
 * and not read as manifests.
 */
export interface AuditSkippedFile {
  /** The file. */
  readonly source: string;
  /** What it is, e.g. `Helm values`, `Kustomize kustomization`. */
  readonly kind: string;
}

/**
 * Something in the input the audit could not use.
 */
export interface AuditInputProblem {
  /** The file (or `<input>` for objects passed in directly). */
  readonly source: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * The whole audit.
 */
export interface AuditReport {
  /** One entry per tenant found. */
  readonly tenants: TenantAuditResult[];
  /** Checks that concern the cluster as a whole (e.g. the guard). */
  readonly cluster: CheckResult[];
  /**
   * The ordered tenant pairs whose pods can connect, sorted by `from` then
   * `to`; every other pair of the `pairsChecked` is denied.
   */
  readonly reachability: ReachabilityEntry[];
  /**
   * How many ordered tenant pairs the reachability covers: every pair of
   * tenants, or, when the audit is limited to some tenants, every pair with
   * one of them at either end.
   */
  readonly pairsChecked: number;
  /** Namespaces without the tenant label (other than the cluster's own). */
  readonly unlabelledNamespaces: string[];
  /** Objects of kinds the audit does not know (reported, not checked). */
  readonly unknownKinds: string[];
  /** Files that could not be read or parsed, objects that are not objects; each file once. */
  readonly problems: AuditInputProblem[];
  /** Files recognised as not manifests (Helm, Kustomize and project files). */
  readonly notManifests: AuditSkippedFile[];
  /** How many objects were read. */
  readonly objectCount: number;
  /** Whether every check passed and the input had no problems. */
  readonly passed: boolean;
}

/**
 * Options for an audit.
 */
export interface AuditOptions {
  /**
   * Tenants to audit. Only their checks run and only paths to or from them
   * are computed; the other tenants' objects are still read (they decide
   * who reaches whom).
   *
   * @default - every tenant found
   */
  readonly tenants?: string[];

  /**
   * Accept manifests without any tenant. By default no tenant found is a
   * failure (check `cluster.tenants`): a wrong path or a missing tenant
   * label would otherwise pass unnoticed.
   *
   * @default false
   */
  readonly allowNoTenants?: boolean;
}
