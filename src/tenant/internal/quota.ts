import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { invalidProp } from '../../core/errors';
import { isDnsLabel, isDnsSubdomain } from '../../core/names';
import { checkNotAbove, count, parseQuantity, quantity } from '../../core/quantity';
import { STORAGE_CLASS_QUOTA_DOMAIN, TenantStorageClassQuota } from '../../storage/tenant-storage';
import { TenantLimitRangeOptions, TenantQuotaOptions } from '../tenant-quota';

type QuotaField = Exclude<keyof TenantQuotaOptions, 'extendedResources' | 'objectCounts' | 'storageClasses'>;

/**
 * The fixed keys of the namespace ResourceQuota: the prop that sets each and
 * its default. One table, read by the renderer and by the budget split (whose
 * errors name the prop).
 */
const QUOTA_FIELDS: { key: string; prop: QuotaField; default: Cpu | Size | number }[] = [
  { key: 'requests.cpu', prop: 'requestsCpu', default: Cpu.units(4) },
  { key: 'limits.cpu', prop: 'limitsCpu', default: Cpu.units(8) },
  { key: 'requests.memory', prop: 'requestsMemory', default: Size.gibibytes(8) },
  { key: 'limits.memory', prop: 'limitsMemory', default: Size.gibibytes(16) },
  { key: 'requests.ephemeral-storage', prop: 'requestsEphemeralStorage', default: Size.gibibytes(20) },
  { key: 'limits.ephemeral-storage', prop: 'limitsEphemeralStorage', default: Size.gibibytes(40) },
  { key: 'requests.storage', prop: 'requestsStorage', default: Size.gibibytes(100) },
  { key: 'pods', prop: 'pods', default: 50 },
  { key: 'services', prop: 'services', default: 20 },
  { key: 'configmaps', prop: 'configMaps', default: 50 },
  { key: 'secrets', prop: 'secrets', default: 50 },
  { key: 'persistentvolumeclaims', prop: 'persistentVolumeClaims', default: 20 },
  { key: 'services.nodeports', prop: 'nodePorts', default: 0 },
  { key: 'services.loadbalancers', prop: 'loadBalancers', default: 0 },
];

/** The prop (as the user wrote it, under `prefix`) that sets a quota key: for error messages. */
export function quotaKeyProp(prefix: string, key: string): string {
  const field = QUOTA_FIELDS.find((f) => f.key === key);
  if (field) return `${prefix}.${field.prop}`;
  if (key.startsWith('count/')) return `${prefix}.objectCounts['${key}']`;
  const perClass = key.indexOf(`.${STORAGE_CLASS_QUOTA_DOMAIN}/`);
  if (perClass > 0) return `${prefix}.storageClasses '${key.slice(0, perClass)}' ${key.slice(perClass + STORAGE_CLASS_QUOTA_DOMAIN.length + 2)}`;
  if (key.startsWith('requests.')) return `${prefix}.extendedResources['${key.slice('requests.'.length)}']`;
  return `${prefix} ${key}`;
}

/**
 * Checks an extended resource name (e.g. `nvidia.com/gpu`) as the API
 * server does (IsExtendedResourceName): a qualified name with a domain
 * prefix outside `kubernetes.io`, whose quota key `requests.<name>` is a
 * qualified name too. Returns the quota key.
 */
function extendedResourceKey(scope: IConstruct, prop: string, name: string): string {
  const slash = typeof name === 'string' ? name.indexOf('/') : -1;
  const prefix = slash > 0 ? name.slice(0, slash) : '';
  const local = slash > 0 ? name.slice(slash + 1) : '';
  const ok = slash > 0 && isDnsSubdomain(prefix) && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(local) && local.length <= 63
    && `requests.${prefix}`.length <= 253 && prefix !== 'kubernetes.io' && !prefix.endsWith('.kubernetes.io') && !prefix.startsWith('requests.') && !prefix.startsWith('limits.');
  if (!ok) {
    throw invalidProp(scope, prop, name, "must be an extended resource name: '<domain>/<name>' outside kubernetes.io, e.g. 'nvidia.com/gpu'.",
      'Give the bare resource name: the quota key is requests.<name> (Kubernetes quotas extended resources by requests only, as they cannot be overcommitted).');
  }
  return `requests.${name}`;
}

/**
 * Checks an object-count key `count/<resource>.<group>` (or `count/<resource>`
 * for the core group), the generic object count quota of Kubernetes.
 */
function objectCountKey(scope: IConstruct, prop: string, key: string): string {
  const rest = typeof key === 'string' && key.startsWith('count/') ? key.slice('count/'.length) : undefined;
  const dot = rest?.indexOf('.') ?? -1;
  const resource = rest === undefined ? '' : dot < 0 ? rest : rest.slice(0, dot);
  const group = rest !== undefined && dot >= 0 ? rest.slice(dot + 1) : undefined;
  if (rest === undefined || rest.length > 63 || !isDnsLabel(resource) || (group !== undefined && !isDnsSubdomain(group))) {
    throw invalidProp(scope, prop, key, "must be an object count key 'count/<resource>.<group>' (plural resource, lowercase), e.g. 'count/deployments.apps' or 'count/configmaps' for the core group.");
  }
  return key;
}

/**
 * The quota keys `options` sets, checked, without defaults: what a
 * namespace's own allocation names.
 */
export function quotaEntries(scope: IConstruct, prefix: string, options: TenantQuotaOptions): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const field of QUOTA_FIELDS) {
    const value = options[field.prop];
    if (value === undefined) continue;
    hard[field.key] = renderValue(scope, `${prefix}.${field.prop}`, value, field.default);
  }
  for (const [name, n] of Object.entries(options.extendedResources ?? {})) {
    const prop = `${prefix}.extendedResources['${name}']`;
    hard[extendedResourceKey(scope, prop, name)] = count(scope, prop, n);
  }
  for (const [key, n] of Object.entries(options.objectCounts ?? {})) {
    const prop = `${prefix}.objectCounts['${key}']`;
    hard[objectCountKey(scope, prop, key)] = count(scope, prop, n);
  }
  const classes = new Set<string>();
  (options.storageClasses ?? []).forEach((q, i) => {
    const prop = `${prefix}.storageClasses[${i}]`;
    if (!(q instanceof TenantStorageClassQuota)) throw invalidProp(scope, prop, q, 'is not a TenantStorageClassQuota.', "Use TenantStorageClassQuota.of('gp3', { requestsStorage }).");
    const own = q._render(scope, prop);
    if (classes.has(q.storageClass)) throw invalidProp(scope, prop, q.storageClass, 'is listed twice.');
    classes.add(q.storageClass);
    Object.assign(hard, own);
  });
  return hard;
}

/** A value of the kind the field takes (Cpu, Size or a count); JavaScript callers can pass anything. */
function renderValue(scope: IConstruct, prop: string, value: unknown, kind: Cpu | Size | number): string {
  if (typeof kind === 'number') return count(scope, prop, value as number);
  if (kind instanceof Cpu) {
    if (!(value instanceof Cpu)) throw invalidProp(scope, prop, value, 'is not a Cpu.', 'Use Cpu.units(n) or Cpu.millis(n).');
    return quantity(scope, prop, value.amount);
  }
  if (!(value instanceof Size)) throw invalidProp(scope, prop, value, 'is not a Size.', 'Use Size.gibibytes(n) or Size.mebibytes(n).');
  return quantity(scope, prop, value.asString());
}

/**
 * Renders the `hard` map of the namespace ResourceQuota: every fixed key
 * (set or default), and the extended resources and object counts given.
 */
export function renderQuotaHard(scope: IConstruct, options: TenantQuotaOptions, prefix = 'quota'): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const field of QUOTA_FIELDS) hard[field.key] = renderValue(scope, `${prefix}.${field.prop}`, field.default, field.default);
  Object.assign(hard, quotaEntries(scope, prefix, options));
  checkRequestsWithinLimits(scope, prefix, hard);
  return hard;
}

/** Requests above limits can never be used in full: refused. */
export function checkRequestsWithinLimits(scope: IConstruct, prefix: string, hard: Record<string, string>): void {
  for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
    checkNotAbove(scope, `${prefix} requests.${resource}`, hard[`requests.${resource}`], `${prefix} limits.${resource}`, hard[`limits.${resource}`]);
  }
}

/**
 * Splits a tenant-wide budget over its namespaces. For each key of the
 * budget, namespaces with an allocation of their own keep it; the others
 * share what is left evenly (rounded down: the sum never exceeds the
 * budget). The allocations of a key may not sum to more than the budget,
 * and may not name a key the budget does not have (it would be uncapped
 * tenant-wide).
 *
 * @param budget the rendered budget (every key)
 * @param allocations per namespace, the keys its allocation sets
 */
export interface Allocation {
  readonly namespace: string;
  /** The prop that sets it, for errors. */
  readonly prop: string;
  readonly hard: Record<string, string>;
}

export function splitBudget(scope: IConstruct, budget: Record<string, string>, allocations: Allocation[]): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = Object.fromEntries(allocations.map((a) => [a.namespace, {}]));
  for (const a of allocations) {
    for (const key of Object.keys(a.hard)) {
      if (!(key in budget)) {
        throw invalidProp(scope, quotaKeyProp(a.prop, key), a.hard[key], `allocates ${key}, which the tenant's budget does not cap.`,
          `Add ${key} to the budget (${quotaKeyProp('budget', key)}).`);
      }
    }
  }
  for (const [key, total] of Object.entries(budget)) {
    const fixed = allocations.filter((a) => key in a.hard);
    const sharing = allocations.filter((a) => !(key in a.hard));
    const totalValue = parseQuantity(total)!;
    const fixedSum = fixed.reduce((s, a) => s + parseQuantity(a.hard[key])!, 0);
    // Relative tolerance: decimal quantities (0.1 + 0.2) do not add exactly in floating point.
    if (fixedSum > totalValue * (1 + 1e-12)) {
      const parts = fixed.map((a) => `${a.namespace} ${a.hard[key]}`).join(', ');
      throw invalidProp(scope, quotaKeyProp('budget', key), total,
        `is exceeded by the namespaces' allocations of ${key}: ${parts} sum to ${formatLike(key, fixedSum)}, more than the tenant's budget of ${total}.`,
        'Lower the allocations (profiles[namespace].quota) or raise the budget.');
    }
    for (const a of fixed) result[a.namespace][key] = a.hard[key];
    if (sharing.length > 0) {
      const share = formatShare(key, Math.max(0, totalValue - fixedSum), sharing.length);
      for (const a of sharing) result[a.namespace][key] = share;
    }
  }
  return result;
}

const CPU_KEY = /(^|\.)cpu$/;
const BYTE_KEY = /(^|\.)(memory|ephemeral-storage|storage)$/;

/** `value / parts` rounded down to what the key is counted in: millicores, bytes (shown in the largest exact binary unit) or whole objects. */
function formatShare(key: string, value: number, parts: number): string {
  if (CPU_KEY.test(key)) return formatCpu(Math.floor(Math.round(value * 1000) / parts));
  // Bytes in whole mebibytes (when there is one to share): readable, and still never above the budget.
  if (BYTE_KEY.test(key)) return formatBytes(value / parts >= 2 ** 20 ? Math.floor(value / parts / 2 ** 20) * 2 ** 20 : Math.floor(value / parts));
  return String(Math.floor(Math.round(value) / parts));
}

function formatLike(key: string, value: number): string {
  if (CPU_KEY.test(key)) return formatCpu(Math.round(value * 1000));
  if (BYTE_KEY.test(key)) return formatBytes(Math.round(value));
  return String(Math.round(value));
}

function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

function formatBytes(bytes: number): string {
  for (const [suffix, size] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes > 0 && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/**
 * Renders the container limits of the LimitRange and checks they fit the
 * quota: a default that exceeds the quota would make every pod without
 * explicit resources fail.
 */
export function renderContainerLimits(scope: IConstruct, options: TenantLimitRangeOptions, quotaHard: Record<string, string>, prefix = 'limitRange') {
  const q = (prop: keyof TenantLimitRangeOptions, value: Cpu | Size) => renderValue(scope, `${prefix}.${prop}`, value, value);
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
    checkNotAbove(scope, `${prefix} default request ${resource}`, defaultRequest[resource], `${prefix} default limit ${resource}`, defaultLimit[resource]);
    checkNotAbove(scope, `${prefix} default request ${resource}`, defaultRequest[resource], `quota requests.${resource}`, quotaHard[`requests.${resource}`]);
    checkNotAbove(scope, `${prefix} default limit ${resource}`, defaultLimit[resource], `quota limits.${resource}`, quotaHard[`limits.${resource}`]);
  }
  return { type: 'Container', defaultRequest, default: defaultLimit };
}
