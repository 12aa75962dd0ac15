import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { checkDnsSubdomain } from '../core/names';
import { count, quantity } from '../core/quantity';
import type { TenantStorageClassQuota } from '../storage/tenant-storage';

/**
 * The annotation on each namespace quota of a tenant with a budget: the
 * budget's `hard` map as JSON, which the audit checks the namespaces'
 * quotas against.
 */
export const TENANT_BUDGET_ANNOTATION = 'cdk8s-tenancy.io/tenant-budget';

/**
 * The ResourceQuota of each tenant namespace. Every key is capped; the
 * defaults suit a small team and are meant to be overridden.
 *
 * Compute quota (`requests.*`, `limits.*`) makes Kubernetes reject pods that
 * do not declare those values; the LimitRange fills them in.
 */
export interface TenantQuotaOptions {
  /** Total CPU requests. @default Cpu.units(4) */
  readonly requestsCpu?: Cpu;
  /** Total CPU limits. @default Cpu.units(8) */
  readonly limitsCpu?: Cpu;
  /** Total memory requests. @default Size.gibibytes(8) */
  readonly requestsMemory?: Size;
  /** Total memory limits. @default Size.gibibytes(16) */
  readonly limitsMemory?: Size;
  /** Total ephemeral-storage requests. @default Size.gibibytes(20) */
  readonly requestsEphemeralStorage?: Size;
  /** Total ephemeral-storage limits. @default Size.gibibytes(40) */
  readonly limitsEphemeralStorage?: Size;
  /** Total storage requested by PersistentVolumeClaims. @default Size.gibibytes(100) */
  readonly requestsStorage?: Size;
  /** Pods. @default 50 */
  readonly pods?: number;
  /** Services. @default 20 */
  readonly services?: number;
  /** ConfigMaps. @default 50 */
  readonly configMaps?: number;
  /** Secrets. @default 50 */
  readonly secrets?: number;
  /** PersistentVolumeClaims. @default 20 */
  readonly persistentVolumeClaims?: number;
  /**
   * NodePort services. A NodePort opens a port on every node, reachable
   * around NetworkPolicies (MTB "block NodePort").
   *
   * @default 0
   */
  readonly nodePorts?: number;
  /** LoadBalancer services, each a cloud load balancer. @default 0 */
  readonly loadBalancers?: number;

  /**
   * Extended resources (devices such as GPUs) the namespace's pods may
   * request, by resource name: `{ 'nvidia.com/gpu': 4 }` becomes the quota
   * key `requests.nvidia.com/gpu`. Kubernetes quotas extended resources by
   * requests only (they cannot be overcommitted, so limits equal requests).
   * Names are checked as the API server checks them: `<domain>/<name>`,
   * outside `kubernetes.io`.
   *
   * @default - no extended resource is capped
   */
  readonly extendedResources?: { [resource: string]: number };

  /**
   * Object counts of any kind, by the generic quota key
   * `count/<resource>.<group>` (`count/<resource>` for the core group):
   * `{ 'count/deployments.apps': 20, 'count/jobs.batch': 50 }`.
   *
   * @default - no other kind is counted
   */
  readonly objectCounts?: { [key: string]: number };

  /**
   * Quotas per StorageClass (its claims' storage and count), within
   * `requestsStorage` and `persistentVolumeClaims`. Only classes the
   * tenant may use (`storage.storageClasses`).
   *
   * @default - no per-class cap
   */
  readonly storageClasses?: TenantStorageClassQuota[];
}

/**
 * The LimitRange of each tenant namespace: the requests and limits a
 * container gets when it declares none, so that it fits under the quota.
 */
export interface TenantLimitRangeOptions {
  /** @default Cpu.millis(100) */
  readonly defaultRequestCpu?: Cpu;
  /** @default Cpu.millis(500) */
  readonly defaultLimitCpu?: Cpu;
  /** @default Size.mebibytes(128) */
  readonly defaultRequestMemory?: Size;
  /** @default Size.mebibytes(512) */
  readonly defaultLimitMemory?: Size;
  /** @default Size.mebibytes(100) */
  readonly defaultRequestEphemeralStorage?: Size;
  /** @default Size.gibibytes(1) */
  readonly defaultLimitEphemeralStorage?: Size;
}

/**
 * What a tenant may consume at one priority class.
 */
export interface TenantPriorityClassQuota {
  /** Pods at this priority. @default 10 */
  readonly pods?: number;
  /** CPU requests at this priority. @default - capped only by the namespace quota */
  readonly requestsCpu?: Cpu;
  /** Memory requests at this priority. @default - capped only by the namespace quota */
  readonly requestsMemory?: Size;
}

/**
 * A priority class a tenant may use, with its own quota ("priority with
 * quota"): a tenant cannot starve others by running everything at a high
 * priority. Priority classes not given to a tenant are denied to it.
 *
 * The PriorityClass object itself is the platform's: create it with
 * `TenancyPlatform.addPriorityClass()` or outside this library.
 */
export class TenantPriorityClass {
  /**
   * Allow the priority class `name`, capped by `quota`.
   */
  public static of(name: string, quota: TenantPriorityClassQuota = {}): TenantPriorityClass {
    return new TenantPriorityClass(name, quota);
  }

  private constructor(
    /** The PriorityClass name. */
    public readonly name: string,
    private readonly quota: TenantPriorityClassQuota,
  ) {}

  /**
   * Checks the class and returns its quota's `hard` map.
   *
   * @internal
   */
  public _renderHard(scope: IConstruct, prop: string): Record<string, string> {
    checkDnsSubdomain(scope, `${prop} name`, this.name, 238);
    const hard: Record<string, string> = { pods: count(scope, `${prop} pods`, this.quota.pods ?? 10) };
    if (this.quota.requestsCpu) hard['requests.cpu'] = quantity(scope, `${prop} requestsCpu`, this.quota.requestsCpu.amount);
    if (this.quota.requestsMemory) hard['requests.memory'] = quantity(scope, `${prop} requestsMemory`, this.quota.requestsMemory.asString());
    return hard;
  }
}
