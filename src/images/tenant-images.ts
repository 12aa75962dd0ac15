import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';

/**
 * The registries a tenant's images may come from.
 */
export class TenantRegistries {
  /**
   * Any registry.
   */
  public static any(): TenantRegistries {
    return new TenantRegistries(undefined);
  }

  /**
   * Only images whose reference starts with one of these registries (or
   * repository prefixes), followed by `/`: `ghcr.io/acme` admits
   * `ghcr.io/acme/web:1.2` but not `ghcr.io/acme-evil/web`. Images must be
   * written with their registry: `nginx` is `docker.io/library/nginx` to the
   * kubelet, but matches nothing here; write it in full.
   *
   * @param registries e.g. `111111111111.dkr.ecr.eu-west-1.amazonaws.com`, `ghcr.io/acme`
   */
  public static only(registries: string[]): TenantRegistries {
    return new TenantRegistries(registries);
  }

  private constructor(/** @internal */ public readonly _registries: string[] | undefined) {}

  /**
   * The checked prefixes, or undefined for any registry.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): string[] | undefined {
    if (this._registries === undefined) return undefined;
    if (!Array.isArray(this._registries) || this._registries.length === 0) {
      throw invalidProp(scope, prop, this._registries, 'must name at least one registry.', 'Use TenantRegistries.any() to allow every registry.');
    }
    this._registries.forEach((r, i) => {
      // The first component must be a registry host (a dot or a port, or
      // localhost), as the kubelet reads image references: otherwise
      // `library` would stand for Docker Hub's `docker.io/library`.
      const host = typeof r === 'string' ? r.split('/')[0] : '';
      const hostOk = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$/.test(host)
        && (host.includes('.') || host.includes(':') || host === 'localhost');
      const pathOk = typeof r === 'string' && r.split('/').slice(1).every((p) => /^[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*$/.test(p));
      if (!hostOk || !pathOk) {
        throw invalidProp(scope, `${prop}[${i}]`, r, "must be a registry host, optionally with a repository prefix, without scheme or trailing '/' (e.g. 'ghcr.io/acme', '111111111111.dkr.ecr.eu-west-1.amazonaws.com').");
      }
    });
    if (new Set(this._registries).size !== this._registries.length) throw invalidProp(scope, prop, this._registries, 'lists a registry twice.');
    return [...this._registries];
  }
}

/**
 * Where a tenant's images may come from and how they are pulled (MTB
 * PL1-CC-DI-1), checked in every container, init container and ephemeral
 * container of its pods and of the pod templates of its workloads.
 */
export interface TenantImageOptions {
  /**
   * The registries images may come from.
   *
   * @default TenantRegistries.any()
   */
  readonly registries?: TenantRegistries;

  /**
   * Require `imagePullPolicy: Always` on every container. An image another
   * tenant pulled onto a shared node is otherwise started without the
   * registry checking this tenant's credentials; with `Always`, the kubelet
   * asks the registry every time. (Kubernetes' KubeletEnsureSecretPulledImages
   * feature, where enabled, does the same check without the pull.)
   *
   * @default false
   */
  readonly requirePullAlways?: boolean;
}
