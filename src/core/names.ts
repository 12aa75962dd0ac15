import { IConstruct } from 'constructs';
import { invalidProp } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Namespaces no tenant may claim: the cluster's own, and the mesh's.
 */
export function isReservedNamespace(name: string): boolean {
  return name === 'default' || name.startsWith('kube-') || name === 'istio-system';
}

/** Whether `value` is a DNS-1123 label of 1 to `maxLength` characters. */
export function isDnsLabel(value: unknown, maxLength = 63): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && DNS1123_LABEL.test(value);
}

/** Whether `value` is a DNS-1123 subdomain of 1 to `maxLength` characters. */
export function isDnsSubdomain(value: unknown, maxLength = 253): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && DNS1123_SUBDOMAIN.test(value);
}

/**
 * Checks a DNS-1123 label (namespace names, tenant names) of at most
 * `maxLength` characters. Callers pass a smaller maximum when they append
 * suffixes, so the longest derived name is what gets checked.
 */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string, maxLength = 63): void {
  if (!isDnsLabel(value, maxLength)) {
    throw invalidProp(scope, prop, value,
      `must be a DNS-1123 label of 1 to ${maxLength} characters: lowercase letters, digits and '-', starting and ending with a letter or digit.`,
      `Use, for example, '${suggestLabel(value, maxLength)}'.`);
  }
}

/**
 * Checks a DNS-1123 subdomain (names of most Kubernetes objects).
 */
export function checkDnsSubdomain(scope: IConstruct, prop: string, value: string, maxLength = 253): void {
  if (!isDnsSubdomain(value, maxLength)) {
    throw invalidProp(scope, prop, value,
      `must be a DNS-1123 subdomain of 1 to ${maxLength} characters: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.`);
  }
}

/**
 * Checks a label key (`[prefix/]name`) and value as the API server would.
 */
export function checkLabel(scope: IConstruct, prop: string, key: string, value: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    throw invalidProp(scope, `${prop} key`, key,
      "must be a label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters (letters, digits, '-', '_', '.', starting and ending with a letter or digit).");
  }
  checkLabelValue(scope, `${prop}['${key}']`, value);
}

/**
 * Checks a label value: at most 63 characters, alphanumeric at both ends.
 */
export function checkLabelValue(scope: IConstruct, prop: string, value: string): void {
  if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
    throw invalidProp(scope, prop, value,
      "must be a label value: at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit.");
  }
}

function suggestLabel(value: unknown, maxLength: number): string {
  const cleaned = String(value ?? '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, maxLength).replace(/-+$/, '');
  return cleaned.length > 0 ? cleaned : 'team-a';
}
