import { IConstruct } from 'constructs';
import { invalidProp } from '../../core/errors';
import { TENANT_LABEL } from '../../core/labels';

/*
 * AWS tag rules (the same for every taggable service, Tagging API
 * "Tag naming limits"): keys 1-128 and values 0-256 Unicode letters,
 * digits, spaces and _ . : / = + - @; the `aws:` prefix is AWS's own.
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks platform-chosen tags (e.g. a cost centre); the tenant tag is the library's. */
export function checkCostTags(scope: IConstruct, prop: string, tags: Record<string, string> | undefined): Record<string, string> {
  if (tags === undefined) return {};
  if (typeof tags !== 'object' || Array.isArray(tags) || tags === null) throw invalidProp(scope, prop, tags, 'must be a map of tag keys to values.');
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key) || key.toLowerCase().startsWith('aws:')) {
      throw invalidProp(scope, `${prop} key`, key, "must be an AWS tag key: 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with 'aws:'.");
    }
    if (key === TENANT_LABEL) {
      throw invalidProp(scope, `${prop} key`, key, 'is the tenant tag, which the library sets itself to the tenant.');
    }
    if (typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value)) {
      throw invalidProp(scope, `${prop}['${key}']`, value, 'must be an AWS tag value: at most 256 letters, digits, spaces and _ . : / = + - @.');
    }
  }
  return { ...tags };
}
