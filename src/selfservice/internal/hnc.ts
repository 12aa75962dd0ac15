import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { INHERITED_FROM_LABEL, TREE_LABEL_SUFFIX } from '../../core/hnc-labels';

// The Hierarchical Namespace Controller (kubernetes-sigs/hierarchical-namespaces,
// v1.1, API group hnc.x-k8s.io/v1alpha2): its kinds and the keys it reads and
// writes. Its CRD schemas are not on npm, so tests assert these objects field
// by field instead of validating them against a schema.

export const HNC_GROUP = 'hnc.x-k8s.io';
export const HNC_API_VERSION = `${HNC_GROUP}/v1alpha2`;

/** The annotation HNC puts on a namespace it creates for a SubnamespaceAnchor: the parent's name. */
export const SUBNAMESPACE_OF_ANNOTATION = 'hnc.x-k8s.io/subnamespace-of';

// The tree and copy labels are defined in core/ (the audit kit reads them too).
export { INHERITED_FROM_LABEL, TREE_LABEL_SUFFIX };

/**
 * The user HNC's controller runs as in its default install (namespace
 * `hnc-system`, service account `default`).
 */
export const DEFAULT_HNC_USERNAME = 'system:serviceaccount:hnc-system:default';

/** A key and value, as HNC lists managed labels and annotations. */
export interface MetaKvp {
  readonly key: string;
  readonly value: string;
}

/** The singleton per namespace (always named `hierarchy`): its parent and the labels HNC propagates to descendants. */
export class HncHierarchyConfiguration extends ApiObject {
  // `labels` may be a cdk8s Lazy, resolved at synth.
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: { labels?: MetaKvp[] | unknown } }) {
    super(scope, id, { apiVersion: HNC_API_VERSION, kind: 'HierarchyConfiguration', ...props });
  }
}

/** The cluster singleton (always named `config`): which kinds HNC propagates. */
export class HncConfiguration extends ApiObject {
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: { resources: { group?: string; resource: string; mode: 'Propagate' | 'Ignore' | 'Remove' | 'AllowPropagate' }[] } }) {
    super(scope, id, { apiVersion: HNC_API_VERSION, kind: 'HNCConfiguration', ...props });
  }
}

/** A quota over a namespace and all its descendants. */
export class HncHierarchicalResourceQuota extends ApiObject {
  constructor(scope: Construct, id: string, props: { metadata: ApiObjectMetadata; spec: { hard: Record<string, string> } }) {
    super(scope, id, { apiVersion: HNC_API_VERSION, kind: 'HierarchicalResourceQuota', ...props });
  }
}

/** CEL: whether `object` (a variable that may be null) is a copy HNC propagated. */
export function celIsPropagatedCopy(object: string): string {
  return `(${object} != null && has(${object}.metadata.labels) && ${JSON.stringify(INHERITED_FROM_LABEL)} in ${object}.metadata.labels)`;
}
