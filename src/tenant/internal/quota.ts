import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { checkNotAbove, count, quantity } from '../../core/quantity';
import { TenantLimitRangeOptions, TenantQuotaOptions } from '../tenant-quota';

/**
 * Renders the `hard` map of the namespace ResourceQuota.

 */
export function renderQuotaHard(scope: IConstruct, options: TenantQuotaOptions): Record<string, string> {
  const q = (prop: keyof TenantQuotaOptions, value: Cpu | Size) => quantity(scope, `quota.${prop}`, value instanceof Cpu ? value.amount : value.asString());
  const n = (prop: keyof TenantQuotaOptions, value: number) => count(scope, `quota.${prop}`, value);
  const hard: Record<string, string> = {
    'requests.cpu': q('requestsCpu', options.requestsCpu ?? Cpu.units(4)),
    'limits.cpu': q('limitsCpu', options.limitsCpu ?? Cpu.units(8)),
    'requests.memory': q('requestsMemory', options.requestsMemory ?? Size.gibibytes(8)),
    'limits.memory': q('limitsMemory', options.limitsMemory ?? Size.gibibytes(16)),
    'requests.ephemeral-storage': q('requestsEphemeralStorage', options.requestsEphemeralStorage ?? Size.gibibytes(20)),
    'limits.ephemeral-storage': q('limitsEphemeralStorage', options.limitsEphemeralStorage ?? Size.gibibytes(40)),
    'requests.storage': q('requestsStorage', options.requestsStorage ?? Size.gibibytes(100)),
    'pods': n('pods', options.pods ?? 50),
    'services': n('services', options.services ?? 20),
    'configmaps': n('configMaps', options.configMaps ?? 50),
    'secrets': n('secrets', options.secrets ?? 50),
    'persistentvolumeclaims': n('persistentVolumeClaims', options.persistentVolumeClaims ?? 20),
    'services.nodeports': n('nodePorts', options.nodePorts ?? 0),
    'services.loadbalancers': n('loadBalancers', options.loadBalancers ?? 0),
  };
  for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
    checkNotAbove(scope, `quota requests.${resource}`, hard[`requests.${resource}`], `quota limits.${resource}`, hard[`limits.${resource}`]);
  }
  return hard;
}

/**
 * Renders the container limits of the LimitRange and checks they fit the
 * quota: a default that exceeds the quota would make every pod without
 * explicit resources fail.

 */
export function renderContainerLimits(scope: IConstruct, options: TenantLimitRangeOptions, quotaHard: Record<string, string>) {
  const q = (prop: keyof TenantLimitRangeOptions, value: Cpu | Size) => quantity(scope, `limitRange.${prop}`, value instanceof Cpu ? value.amount : value.asString());
  const defaultRequest = {
    'cpu': q('defaultRequestCpu', options.defaultRequestCpu ?? Cpu.millis(100)),
    'memory': q('defaultRequestMemory', options.defaultRequestMemory ?? Size.mebibytes(128)),
    'ephemeral-storage': q('defaultRequestEphemeralStorage', options.defaultRequestEphemeralStorage ?? Size.mebibytes(100)),
  };
  const defaultLimit = {
    'cpu': q('defaultLimitCpu', options.defaultLimitCpu ?? Cpu.millis(500)),
    'memory': q('defaultLimitMemory', options.defaultLimitMemory ?? Size.mebibytes(512)),
    'ephemeral-storage': q('defaultLimitEphemeralStorage', options.defaultLimitEphemeralStorage ?? Size.gibibytes(1)),
  };
  for (const resource of ['cpu', 'memory', 'ephemeral-storage'] as const) {
    checkNotAbove(scope, `limitRange default request ${resource}`, defaultRequest[resource], `limitRange default limit ${resource}`, defaultLimit[resource]);
    checkNotAbove(scope, `limitRange default request ${resource}`, defaultRequest[resource], `quota requests.${resource}`, quotaHard[`requests.${resource}`]);
    checkNotAbove(scope, `limitRange default limit ${resource}`, defaultLimit[resource], `quota limits.${resource}`, quotaHard[`limits.${resource}`]);
  }
  return { type: 'Container', defaultRequest, default: defaultLimit };
}

