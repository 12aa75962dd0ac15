import { createHash } from 'crypto';

/**
 * `prefix-tenant[-suffix]`, at most 63 characters (the limit Kyverno puts on
 * policy names and Gatekeeper on mutator names): a long tenant name is cut
 * and made unique again with a hash of the whole name.
 */
export function boundedName(prefix: string, tenant: string, suffix?: string): string {
  const tail = suffix ? `-${suffix}` : '';
  const name = `${prefix}-${tenant}${tail}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(tenant).digest('hex').slice(0, 8);
  const room = 63 - prefix.length - tail.length - hash.length - 2;
  return `${prefix}-${tenant.slice(0, room).replace(/-+$/, '')}-${hash}${tail}`;
}
