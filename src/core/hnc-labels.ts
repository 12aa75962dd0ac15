// The keys HNC (kubernetes-sigs/hierarchical-namespaces, v1.1) writes on
// namespaces and on the copies it propagates. They are here, not only in
// selfservice/, because the audit's model and every finding read them
// whoever wrote the manifests: a namespace HNC created under a tenant's
// belongs to that tenant, and a copy is fixed at its source. Not public API.

/** The suffix of the tree labels: HNC labels a namespace `<ancestor>.tree.hnc.x-k8s.io/depth` for itself and each ancestor. */
export const TREE_LABEL_SUFFIX = '.tree.hnc.x-k8s.io/depth';

/** The label HNC puts on every propagated copy: the namespace of its source. */
export const INHERITED_FROM_LABEL = 'hnc.x-k8s.io/inherited-from';
