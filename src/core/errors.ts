import { IConstruct } from 'constructs';

/**
 * Builds the one error format every prop check uses, so a user always reads
 * where (construct path), what (prop and value), what is allowed, and how to
 * fix it.
 */
export function invalidProp(scope: IConstruct | string, prop: string, value: unknown, allowed: string, fix?: string): Error {
  const where = typeof scope === 'string' ? scope : scope.node.path;
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return new Error(`${where}: invalid ${prop} ${shown}: ${allowed}${fix ? ` ${fix}` : ''}`);
}
