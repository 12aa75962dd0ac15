import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { POD_SECURITY_EXCEPTION_ANNOTATION, POD_SECURITY_LABEL_PREFIX } from '../core/labels';
import { POD_SECURITY_AUDIT_VERSION, podSecurityVersionProblem } from '../core/versions';

/**
 * The Pod Security Standard a tenant's namespaces enforce through Pod
 * Security Admission.
 *
 * `restricted` is the default: `baseline` still lets pods run as root, keep
 * capabilities and escalate privileges, which the Multi-Tenancy Benchmark
 * fails. Weaker levels are opt-ins whose reason is recorded on the namespace.
 */
export class PodSecurityLevel {
  /**
   * The `restricted` standard, enforced, audited and warned. The default.
   */
  public static readonly RESTRICTED = new PodSecurityLevel('restricted');

  /**
   * Enforce `baseline`, and keep auditing and warning at `restricted` so the
   * gap stays visible.
   *
   * @param reason why this tenant cannot run under `restricted`; recorded in
   * the namespace annotation `cdk8s-tenancy.io/pod-security-exception`.
   */
  public static baseline(reason: string): PodSecurityLevel {
    return new PodSecurityLevel('baseline', reason);
  }

  /**
   * Enforce nothing: pods may be privileged, use host namespaces and mount
   * the host. Only for tenants the platform trusts with the node.
   *
   * @param reason why; recorded on the namespace.
   */
  public static privilegedUnsafe(reason: string): PodSecurityLevel {
    return new PodSecurityLevel('privileged', reason);
  }

  /**
   * Parses a level from configuration. Only `restricted` is accepted here:
   * the weaker levels need a reason, through `baseline(reason)` or
   * `privilegedUnsafe(reason)`.
   */
  public static of(level: string): PodSecurityLevel {
    return new PodSecurityLevel(level);
  }

  private constructor(
    /** @internal */ public readonly _level: string,
    /** @internal */ public readonly _reason?: string,
  ) {}

  /**
   * The namespace labels and annotations for this level: `enforce` at the
   * level, pinned to `version`; `audit` and `warn` at `restricted` and the
   * cluster's own version (`latest`), so the gap to the newest, strictest
   * rules is always reported and never enforced unannounced.
   *
   * @internal
   */
  public _render(scope: IConstruct, version: string, prop = 'podSecurity'): { labels: Record<string, string>; annotations: Record<string, string> } {
    if (!['restricted', 'baseline', 'privileged'].includes(this._level)) {
      throw invalidProp(scope, prop, this._level,
        'is not a Pod Security level: use PodSecurityLevel.RESTRICTED (the default), PodSecurityLevel.baseline(reason) or PodSecurityLevel.privilegedUnsafe(reason).');
    }
    if (this._level !== 'restricted' && (this._reason === undefined || this._reason.trim().length === 0)) {
      throw invalidProp(scope, prop, this._level,
        'is weaker than restricted and needs a reason.',
        `Use PodSecurityLevel.${this._level === 'baseline' ? 'baseline' : 'privilegedUnsafe'}('why this tenant needs it').`);
    }
    const problem = podSecurityVersionProblem(version);
    if (problem) throw invalidProp(scope, 'podSecurityVersion', version, problem);
    const labels: Record<string, string> = {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      labels[`${POD_SECURITY_LABEL_PREFIX}${mode}`] = mode === 'enforce' ? this._level : 'restricted';
      labels[`${POD_SECURITY_LABEL_PREFIX}${mode}-version`] = mode === 'enforce' ? version : POD_SECURITY_AUDIT_VERSION;
    }
    const annotations: Record<string, string> = this._reason ? { [POD_SECURITY_EXCEPTION_ANNOTATION]: this._reason } : {};
    return { labels, annotations };
  }
}
