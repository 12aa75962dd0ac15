import { Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { addSandboxGuard } from './guard';
import { invalidProp } from '../core/errors';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUNTIME_CLASS_LABEL } from '../core/labels';
import { checkDnsLabel, checkLabel } from '../core/names';
import { quantity } from '../core/quantity';
import { setPodSpecField } from '../core/workloads';
import { ITenantExtension, SoftTenant } from '../tenant/soft-tenant';

/**
 * Options for a tenant sandbox's RuntimeClass.
 */
export interface TenantSandboxOptions {
  /**
   * The CRI handler that runs the sandbox, as configured in containerd or
   * CRI-O on the nodes.
   *
   * @default - the factory's handler (`runsc` for gVisor, `kata-fc` for Kata
   * with Firecracker, the RuntimeClass name otherwise)
   */
  readonly handler?: string;

  /**
   * Labels of the nodes that have the handler installed: pods using the
   * RuntimeClass are scheduled only there.
   *
   * @default - any node
   */
  readonly nodeSelector?: { [key: string]: string };

  /**
   * CPU the sandbox itself costs per pod, charged to the pod (quota and
   * scheduling).
   *
   * @default - no overhead
   */
  readonly overheadCpu?: Cpu;

  /**
   * Memory the sandbox itself costs per pod.
   *
   * @default - no overhead
   */
  readonly overheadMemory?: Size;

  /**
   * Whether to emit the RuntimeClass. Set to false when the platform already
   * installs it (e.g. with the sandbox runtime's own chart).
   *
   * @default true
   */
  readonly createRuntimeClass?: boolean;
}

/**
 * Runs every pod of a tenant in a sandbox — its own micro-VM (Kata
 * Containers, Firecracker) or user-space kernel (gVisor) — so that a
 * container escape lands in the sandbox, not on a node shared with other
 * tenants (seed 003, "Sandboxed execution environments for containers").
 *
 * Applied to a tenant, it emits the RuntimeClass (once per app, in the
 * platform chart), labels the tenant's namespaces with it, and adds the
 * platform's sandbox guard: a ValidatingAdmissionPolicy that rejects pods in
 * those namespaces without that `runtimeClassName`, or with another one.
 *
 * @example
 * import { SoftTenant, TenantSandbox } from 'cdk8s-tenancy';
 *
 * declare const tenant: SoftTenant;
 * tenant.addExtension(TenantSandbox.gvisor());
 */
export class TenantSandbox implements ITenantExtension {
  /**
   * gVisor (`runsc`): a user-space kernel between the container and the host.
   */
  public static gvisor(options: TenantSandboxOptions = {}): TenantSandbox {
    return new TenantSandbox('gvisor', { handler: 'runsc', ...options });
  }

  /**
   * Kata Containers on Firecracker micro-VMs (handler `kata-fc`).
   */
  public static kataFirecracker(options: TenantSandboxOptions = {}): TenantSandbox {
    return new TenantSandbox('kata-fc', { handler: 'kata-fc', ...options });
  }

  /**
   * Any RuntimeClass by name.
   */
  public static runtimeClass(name: string, options: TenantSandboxOptions = {}): TenantSandbox {
    return new TenantSandbox(name, options);
  }

  /**
   * The kind of extension: a tenant has at most one sandbox.
   */
  public readonly extensionKind = 'sandbox';

  private constructor(
    /** The RuntimeClass every pod of the tenant must use. */
    public readonly runtimeClassName: string,
    private readonly options: TenantSandboxOptions,
  ) {}

  /**
   * Adds the RuntimeClass, the namespace label and the guard to `tenant`.
   */
  public applyToTenant(tenant: SoftTenant): void {
    if (tenant._runtimeClasses !== undefined) {
      throw invalidProp(tenant, 'sandbox runtimeClassName', this.runtimeClassName,
        `cannot be combined with the tenant's runtimeClasses (${tenant._runtimeClasses.join(', ')}): a sandbox runs every pod in its one RuntimeClass.`,
        'Drop runtimeClasses, or drop the sandbox and list its class in runtimeClasses.');
    }
    // The name lands in a namespace label: a DNS label of at most 63.
    checkDnsLabel(tenant, 'sandbox runtimeClassName', this.runtimeClassName);
    const handler = this.options.handler ?? this.runtimeClassName;
    checkDnsLabel(tenant, 'sandbox handler', handler);
    const spec: { handler: string; overhead?: any; scheduling?: any } = { handler };
    const podFixed: Record<string, k8s.Quantity> = {};
    if (this.options.overheadCpu) podFixed.cpu = k8s.Quantity.fromString(quantity(tenant, 'sandbox overheadCpu', this.options.overheadCpu.amount));
    if (this.options.overheadMemory) {
      podFixed.memory = k8s.Quantity.fromString(quantity(tenant, 'sandbox overheadMemory', this.options.overheadMemory.asString()));
    }
    if (Object.keys(podFixed).length > 0) spec.overhead = { podFixed };
    const nodeSelector = this.options.nodeSelector ?? {};
    for (const [k, v] of Object.entries(nodeSelector)) checkLabel(tenant, 'sandbox nodeSelector', k, v);
    if (Object.keys(nodeSelector).length > 0) spec.scheduling = { nodeSelector: { ...nodeSelector } };

    if (this.options.createRuntimeClass ?? true) {
      const name = this.runtimeClassName;
      tenant.platform._registry.addClusterObject({
        key: `RuntimeClass/${name}`,
        settings: JSON.stringify(spec),
        conflict: (existing) => invalidProp(tenant, 'sandbox runtimeClassName', name,
          `is already declared by another tenant with different settings (${existing}); a RuntimeClass is cluster-wide, declare it the same way everywhere.`),
        create: (scope) => new k8s.KubeRuntimeClass(scope, `runtime-class-${name}`, { metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } }, ...spec }),
      });
    }
    addSandboxGuard(tenant.platform);
    tenant._setLibraryNamespaceLabel(RUNTIME_CLASS_LABEL, this.runtimeClassName);
  }

  /**
   * Sets `runtimeClassName` on a workload (a cdk8s-plus Pod, Deployment,
   * StatefulSet, DaemonSet, Job or CronJob, or their `k8s.Kube*` classes),
   * so that the guard admits its pods.
   */
  public applyTo(workload: IConstruct): void {
    setPodSpecField(workload, 'runtimeClassName', this.runtimeClassName);
  }
}
