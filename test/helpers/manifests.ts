import { App, Chart } from 'cdk8s';

/** A Kubernetes object as synthesized. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};

/**
 * Every object of every chart of the app, in synthesis order, after the
 * app's validations ran (as `app.synth()` would run them).
 */
export function synthObjects(app: App): K8sObject[] {
  const errors = app.node.validate();
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return app.charts.flatMap((c: Chart) => c.toJson()) as K8sObject[];
}

/** Objects of one kind, optionally in one namespace. */
export function ofKind(objects: K8sObject[], kind: string, namespace?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
}

/** The one object of a kind and name (and namespace); fails when missing. */
export function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind} ${namespace ?? ''}/${name}, found ${found.length}`);
  }
  return found[0];
}
