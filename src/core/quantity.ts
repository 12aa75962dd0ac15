import { IConstruct } from 'constructs';
import { invalidProp } from './errors';

/**
 * The Kubernetes resource quantity grammar (k8s.io/apimachinery
 * resource.Quantity), reduced to what a comparison needs: the value in base
 * units. Used to check every quantity we emit and to compare requests,
 * limits and quota.
 */
const QUANTITY = /^([+-]?[0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Record<string, number> = {
  '': 1,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

/**
 * Returns the value of a quantity in base units, or undefined when the string
 * is not a valid Kubernetes quantity.
 */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match || !/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(match[1])) {
    return undefined;
  }
  const suffix = match[2] ?? '';
  const multiplier = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return Number(match[1]) * multiplier;
}

export function quantity(scope: IConstruct, prop: string, value: string): string {
  const parsed = parseQuantity(value);
  if (parsed === undefined || !Number.isFinite(parsed) || parsed < 0) {
    throw invalidProp(scope, prop, value, 'must be a non-negative Kubernetes quantity, e.g. Cpu.millis(500) or Size.gibibytes(2).');
  }
  return value;
}

export function count(scope: IConstruct, prop: string, value: number): string {
  if (!Number.isInteger(value) || value < 0) {
    throw invalidProp(scope, prop, value, 'must be a whole number of 0 or more.');
  }
  return String(value);
}

export function checkNotAbove(scope: IConstruct, smallProp: string, small: string, bigProp: string, big: string): void {
  if (parseQuantity(small)! > parseQuantity(big)!) {
    throw invalidProp(scope, smallProp, small, `must not exceed ${bigProp} (${big}).`);
  }
}
