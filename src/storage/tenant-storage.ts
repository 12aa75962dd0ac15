import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { isDnsSubdomain } from '../core/names';

/**
 * Which StorageClasses a tenant's PersistentVolumeClaims may use.
 */
export class TenantStorageClasses {
  /**
   * Any class, including the cluster's default.
   */
  public static any(): TenantStorageClasses {
    return new TenantStorageClasses(undefined);
  }

  /**
   * Only these classes. A claim must name one of them (in
   * `spec.storageClassName`, and in the legacy
   * `volume.beta.kubernetes.io/storage-class` annotation if it sets it): a
   * claim without a class, or with the empty class (which binds to any
   * pre-provisioned volume without a class), is refused.
   */
  public static only(classes: string[]): TenantStorageClasses {
    return new TenantStorageClasses(classes);
  }

  private constructor(/** @internal */ public readonly _classes: string[] | undefined) {}

  /**
   * The checked class names, or undefined for any class.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): string[] | undefined {
    if (this._classes === undefined) return undefined;
    if (!Array.isArray(this._classes) || this._classes.length === 0) {
      throw invalidProp(scope, prop, this._classes, 'must name at least one StorageClass.', 'Use TenantStorageClasses.any() to allow every class.');
    }
    this._classes.forEach((c, i) => {
      if (!isDnsSubdomain(c)) throw invalidProp(scope, `${prop}[${i}]`, c, "must be a StorageClass name (a DNS-1123 subdomain, e.g. 'gp3').");
    });
    if (new Set(this._classes).size !== this._classes.length) throw invalidProp(scope, prop, this._classes, 'lists a class twice.');
    return [...this._classes];
  }
}

/**
 * Storage rules of a tenant. Whatever is set, no claim of the tenant may
 * name an existing PersistentVolume (`spec.volumeName`: MTB "block use of
 * existing PVs") or take its data from another namespace.
 */
export interface TenantStorageOptions {
  /**
   * The StorageClasses the tenant's claims may use.
   *
   * @default TenantStorageClasses.any()
   */
  readonly storageClasses?: TenantStorageClasses;
}
