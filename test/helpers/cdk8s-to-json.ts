import { ApiObject } from 'cdk8s';

/**
 * cdk8s's own ApiObject.prototype.toJson, as loaded: taken before the
 * recorder of yaml-differential.ts (which imports this first) replaces it.
 */
export const CDK8S_TO_JSON = ApiObject.prototype.toJson;

/** Every prototype whose toJson a recorder replaced, with the toJson it had. */
const originals = new Map<any, (...args: any[]) => any>();

/** Replaces `proto.toJson`, remembering the original for withCdk8sToJson. */
export function replaceToJson(proto: any, toJson: (...args: any[]) => any): void {
  if (!originals.has(proto)) originals.set(proto, proto.toJson);
  proto.toJson = toJson;
}

/**
 * Runs `fn` with cdk8s's own toJson in place on ApiObject and on every
 * class a recorder wrapped (the generated Kube* classes): the writer's fast
 * path (api-object-json.ts) declines an object whose toJson is not cdk8s's.
 */
export function withCdk8sToJson<T>(fn: () => T): T {
  const now = [...originals.keys()].map((proto) => [proto, proto.toJson] as const);
  for (const [proto, original] of originals) proto.toJson = original;
  try {
    return fn();
  } finally {
    for (const [proto, current] of now) proto.toJson = current;
  }
}
