import { ApiObject } from 'cdk8s';

/**
 * cdk8s's own ApiObject.prototype.toJson, as loaded: taken before the
 * recorder of yaml-differential.ts (which imports this first) replaces it.
 */
export const CDK8S_TO_JSON = ApiObject.prototype.toJson;

/**
 * Runs `fn` with cdk8s's own toJson in place: the writer's fast path
 * (api-object-json.ts) declines every object while a recorder replaces it.
 */
export function withCdk8sToJson<T>(fn: () => T): T {
  const now = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = CDK8S_TO_JSON;
  try {
    return fn();
  } finally {
    ApiObject.prototype.toJson = now;
  }
}
