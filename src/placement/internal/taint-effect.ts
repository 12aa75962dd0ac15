import { TaintEffect } from 'cdk8s-plus-27';

/**
 * The one mapping between the taint effects of the EKS API
 * (`aws-eks-v2` `TaintEffect`: NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE)
 * and Kubernetes' (`NoSchedule`, `PreferNoSchedule`, `NoExecute`). By string,
 * so that pure-cdk8s code need not load aws-cdk-lib.
 */
const AWS_TO_KUBERNETES: Record<string, TaintEffect> = {
  NO_SCHEDULE: TaintEffect.NO_SCHEDULE,
  PREFER_NO_SCHEDULE: TaintEffect.PREFER_NO_SCHEDULE,
  NO_EXECUTE: TaintEffect.NO_EXECUTE,
};

/** The Kubernetes effect of an EKS effect, or undefined for anything else. */
export function kubernetesEffect(eksEffect: string): TaintEffect | undefined {
  return AWS_TO_KUBERNETES[eksEffect];
}

/** The EKS effect of a Kubernetes effect, or undefined for anything else. */
export function awsEffect(kubernetes: string): string | undefined {
  return Object.keys(AWS_TO_KUBERNETES).find((k) => AWS_TO_KUBERNETES[k] === kubernetes);
}
