import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { count, quantity } from '../core/quantity';

/** The domain of the per-StorageClass quota keys (`<class>.storageclass.storage.k8s.io/requests.storage`). */
export const STORAGE_CLASS_QUOTA_DOMAIN = 'storageclass.storage.k8s.io';

/**
 * The per-class quota keys of a StorageClass: storage requested by its
 * claims, and the number of its claims.
 */
export function storageClassQuotaKeys(storageClass: string): { storage: string; claims: string } {
  return {
    storage: `${storageClass}.${STORAGE_CLASS_QUOTA_DOMAIN}/requests.storage`,
    claims: `${storageClass}.${STORAGE_CLASS_QUOTA_DOMAIN}/persistentvolumeclaims`,
  };
}

/** Longest class name whose quota key prefix (`<class>.storageclass.storage.k8s.io`) is still a DNS subdomain of 253. */
const MAX_CLASS_FOR_QUOTA = 253 - STORAGE_CLASS_QUOTA_DOMAIN.length - 1;

function checkClassName(scope: IConstruct, prop: string, name: unknown): string {
  if (!isDnsSubdomain(name, MAX_CLASS_FOR_QUOTA)) {
    throw invalidProp(scope, prop, name, `must be a StorageClass name (a DNS-1123 subdomain of at most ${MAX_CLASS_FOR_QUOTA} characters, e.g. 'gp3').`);
  }
  return name;
}

/**
 * What a namespace's claims of one StorageClass may use.
 */
export interface TenantStorageClassLimits {
  /** Storage requested by the class's claims. @default - capped only by the namespace's requestsStorage */
  readonly requestsStorage?: Size;
  /** Number of the class's claims. @default - capped only by the namespace's persistentVolumeClaims */
  readonly persistentVolumeClaims?: number;
}

/**
 * A quota on one StorageClass (the Kubernetes per-class quota keys
 * `<class>.storageclass.storage.k8s.io/requests.storage` and
 * `.../persistentvolumeclaims`), e.g. to ration an expensive class.
 */
export class TenantStorageClassQuota {
  /**
   * Caps the claims of `storageClass`.
   */
  public static of(storageClass: string, limits: TenantStorageClassLimits): TenantStorageClassQuota {
    return new TenantStorageClassQuota(storageClass, limits);
  }

  private constructor(
    /** The StorageClass. */
    public readonly storageClass: string,
    private readonly limits: TenantStorageClassLimits,
  ) {}

  /**
   * The checked quota keys and values.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): Record<string, string> {
    checkClassName(scope, `${prop} storageClass`, this.storageClass);
    const keys = storageClassQuotaKeys(this.storageClass);
    const hard: Record<string, string> = {};
    const { requestsStorage, persistentVolumeClaims } = this.limits ?? {};
    if (requestsStorage === undefined && persistentVolumeClaims === undefined) {
      throw invalidProp(scope, prop, this.storageClass, 'caps nothing: set requestsStorage, persistentVolumeClaims or both.');
    }
    if (requestsStorage !== undefined) {
      if (!(requestsStorage instanceof Size)) throw invalidProp(scope, `${prop} requestsStorage`, requestsStorage, 'is not a Size.', 'Use Size.gibibytes(n).');
      hard[keys.storage] = quantity(scope, `${prop} requestsStorage`, requestsStorage.asString());
    }
    if (persistentVolumeClaims !== undefined) hard[keys.claims] = count(scope, `${prop} persistentVolumeClaims`, persistentVolumeClaims);
    return hard;
  }
}

/**
 * Which StorageClasses a tenant's PersistentVolumeClaims may use, and the
 * default a claim that names none gets.
 */
export class TenantStorageClasses {
  /**
   * Any class, including the cluster's default.
   */
  public static any(): TenantStorageClasses {
    return new TenantStorageClasses(undefined, undefined);
  }

  /**
   * Only these classes. A claim must name one of them (in
   * `spec.storageClassName`, and in the legacy
   * `volume.beta.kubernetes.io/storage-class` annotation if it sets it);
   * the empty class (which binds to any pre-provisioned volume without a
   * class) is refused.
   *
   * A claim that names no class at all (neither the field nor the
   * annotation) gets the cluster's default StorageClass from the API
   * server's DefaultStorageClass plugin, if the cluster has one (EKS
   * clusters created on 1.30 or later have none); then the platform's
   * admission engine (`TenancyPlatformProps.placementEngine`) fills in
   * `defaultClass`, when given, on claims still without a class. Either
   * way the storage guard then holds the class to this list: where the
   * cluster default is not one of them, name the class
   * (`SoftTenant.applyPodDefaults()` writes `defaultClass` into
   * StatefulSets' claim templates).
   *
   * @param classes the allowed StorageClasses
   * @param defaultClass the class a claim that names none gets, one of `classes` (default: none, such a claim is refused unless the cluster has a default StorageClass in `classes`)
   */
  public static only(classes: string[], defaultClass?: string): TenantStorageClasses {
    return new TenantStorageClasses(classes, defaultClass);
  }

  private constructor(
    /** @internal */ public readonly _classes: string[] | undefined,
    /** @internal */ public readonly _default: string | undefined,
  ) {}

  /**
   * The checked class names and default, or undefined for any class.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { classes: string[]; defaultClass?: string } | undefined {
    if (this._classes === undefined) return undefined;
    if (!Array.isArray(this._classes) || this._classes.length === 0) {
      throw invalidProp(scope, prop, this._classes, 'must name at least one StorageClass.', 'Use TenantStorageClasses.any() to allow every class.');
    }
    this._classes.forEach((c, i) => checkClassName(scope, `${prop}[${i}]`, c));
    if (new Set(this._classes).size !== this._classes.length) throw invalidProp(scope, prop, this._classes, 'lists a class twice.');
    if (this._default !== undefined && !this._classes.includes(this._default)) {
      throw invalidProp(scope, `${prop} default`, this._default, `must be one of the allowed classes (${this._classes.join(', ')}).`);
    }
    return { classes: [...this._classes], ...(this._default !== undefined ? { defaultClass: this._default } : {}) };
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

  /**
   * StorageClasses the cluster has that the tenant may not use. Each gets
   * the per-class quota keys set to 0 in every namespace of the tenant, so
   * the API server's own quota admission refuses their claims — a second
   * wall behind the storage guard, which needs no policy engine, and the
   * way to refuse a few classes while allowing any other. None may be an
   * allowed class.
   *
   * @default - none
   */
  readonly deniedStorageClasses?: string[];
}

/**
 * The denied classes, checked, as zero quota keys.
 *
 * @internal
 */
export function renderDeniedStorageClasses(scope: IConstruct, prop: string, denied: string[] | undefined, allowed: string[] | undefined):
Record<string, string> {
  const hard: Record<string, string> = {};
  if (denied === undefined) return hard;
  if (!Array.isArray(denied)) throw invalidProp(scope, prop, denied, 'must be a list of StorageClass names.');
  denied.forEach((c, i) => {
    checkClassName(scope, `${prop}[${i}]`, c);
    if (allowed?.includes(c)) throw invalidProp(scope, `${prop}[${i}]`, c, 'is also an allowed class (storage.storageClasses).', 'Remove it from one of the lists.');
    const keys = storageClassQuotaKeys(c);
    if (keys.storage in hard) throw invalidProp(scope, `${prop}[${i}]`, c, 'is listed twice.');
    hard[keys.storage] = '0';
    hard[keys.claims] = '0';
  });
  return hard;
}
