import { ApiObject, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalidProp } from './errors';

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string> = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

/**
 * Sets `field` of the pod spec of a workload (a cdk8s-plus Pod, Deployment,
 * StatefulSet, DaemonSet, Job or CronJob, or their `k8s.Kube*` classes).
 */
export function setPodSpecField(workload: IConstruct, field: string, value: unknown): void {
  const object = ApiObject.of(workload);
  const path = POD_SPEC_PATHS[object.kind];
  if (!path) {
    throw invalidProp(workload, 'workload', object.kind, `has no pod template: use a ${Object.keys(POD_SPEC_PATHS).join(', ')}.`);
  }
  object.addJsonPatch(JsonPatch.add(`${path}/${field}`, value));
}
