import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { isDnsSubdomain } from '../core/names';

/**
 * Which RuntimeClasses a tenant's pods may run with, and the default the
 * library writes into workloads (`SoftTenant.applyPodDefaults`) and names
 * in refusals. Kubernetes has no per-namespace default RuntimeClass, and
 * one set by a mutating admission webhook would skip the RuntimeClass
 * admission that adds its overhead and scheduling: pods name their class.
 *
 * For a tenant that must run everything in one sandbox, use
 * `TenantSandbox` instead (it emits the RuntimeClass too).
 */
export class TenantRuntimeClasses {
  /**
   * Any RuntimeClass, or none (the node's default handler). The default.
   */
  public static any(): TenantRuntimeClasses {
    return new TenantRuntimeClasses(undefined, undefined);
  }

  /**
   * Only these RuntimeClasses: every pod must name one of them in
   * `spec.runtimeClassName`. The RuntimeClass objects are the platform's.
   *
   * @param classes the allowed RuntimeClasses
   * @param defaultClass the tenant's default, one of `classes` (default: the first)
   */
  public static only(classes: string[], defaultClass?: string): TenantRuntimeClasses {
    return new TenantRuntimeClasses(classes, defaultClass);
  }

  private constructor(
    /** @internal */ public readonly _classes: string[] | undefined,
    /** @internal */ public readonly _default: string | undefined,
  ) {}

  /**
   * The checked classes and default, or undefined for any class.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { classes: string[]; defaultClass: string } | undefined {
    if (this._classes === undefined) return undefined;
    if (!Array.isArray(this._classes) || this._classes.length === 0) {
      throw invalidProp(scope, prop, this._classes, 'must name at least one RuntimeClass.', 'Use TenantRuntimeClasses.any() to allow every class.');
    }
    this._classes.forEach((c, i) => {
      if (!isDnsSubdomain(c)) throw invalidProp(scope, `${prop}[${i}]`, c, "must be a RuntimeClass name (a DNS-1123 subdomain, e.g. 'gvisor').");
    });
    if (new Set(this._classes).size !== this._classes.length) throw invalidProp(scope, prop, this._classes, 'lists a class twice.');
    const defaultClass = this._default ?? this._classes[0];
    if (!this._classes.includes(defaultClass)) {
      throw invalidProp(scope, `${prop} default`, defaultClass, `must be one of the allowed classes (${this._classes.join(', ')}).`);
    }
    return { classes: [...this._classes], defaultClass };
  }
}
