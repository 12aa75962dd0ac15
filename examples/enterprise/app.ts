// Enterprise: teams of one company share a cluster (seed 003 "Enterprise
// setting"; seed 001's cluster admin, tenant admin and tenant user roles).
// Every team is a SoftTenant; the payments team handles card data and gets
// dedicated nodes and sandboxed pods; the data team runs batch jobs at a
// priority class with its own quota. Shop and payments run in a mesh, each
// with an Istio control plane of its own. Shop and data deliver their own
// workloads from their own repositories, with their own rights only: shop
// through an Argo CD project, data through Flux.
import { ApiObject, App, Chart, JsonPatch, Size } from 'cdk8s';
import { Cpu, Deployment, k8s } from 'cdk8s-plus-27';
import {
  IstioInstall, IstioTenantControlPlane, SoftTenant, TenancyPlatform, TenantGatewayApi, TenantHostnames, TenantIngressClasses, TenantMember,
  TenantGitOps, TenantPeer, TenantPlacement, TenantPort, TenantPriorityClass, TenantProfile, TenantRights, TenantRuntimeClasses, TenantSandbox,
  TenantStorageClasses,
} from 'cdk8s-tenancy';

export function enterprise(app: App): void {
  // The cluster admin's part: guards, and the priority classes teams may ask for.
  const platform = new TenancyPlatform(app, 'platform');
  platform.addPriorityClass('batch-high', { value: 50000, description: 'Time-bound batch jobs' });
  platform.addPriorityClass('batch-normal', { value: 1000, preempting: false, description: 'Batch jobs that wait for room' });
  // The nodes' default runtime, by name, for tenants that choose between it
  // and gVisor (whose RuntimeClass the payments sandbox declares).
  new k8s.KubeRuntimeClass(platform, 'runtime-class-runc', { metadata: { name: 'runc' }, handler: 'runc' });

  // The shop: a web team reached through the ingress controller, on its own
  // hostnames, with routes on the platform's Gateways and its own
  // cert-manager Certificates.
  const shop = new SoftTenant(new Chart(app, 'shop'), 'Shop', {
    name: 'shop',
    namespaces: ['shop', 'shop-staging'],
    admins: [TenantMember.group('shop-leads')],
    users: [TenantMember.group('shop-devs')],
    ingress: {
      ingressClasses: TenantIngressClasses.only(['nginx']),
      gatewayApi: TenantGatewayApi.routes(),
      hostnames: TenantHostnames.only(['shop.example.com', '*.shop.example.com']),
    },
    extraRights: [TenantRights.rules([
      { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ])],
    network: {
      ingressFrom: [TenantPeer.namespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [TenantPort.tcp(8080)])],
      egressTo: [TenantPeer.tenant('payments', [TenantPort.tcp(8443)])],
    },
    // One budget for both namespaces: staging gets 2 of the 8 CPUs, the
    // rest of every key is split evenly.
    budget: { requestsCpu: Cpu.units(8), limitsCpu: Cpu.units(16) },
    profiles: { 'shop-staging': TenantProfile.of({ quota: { requestsCpu: Cpu.units(2), limitsCpu: Cpu.units(4) } }) },
    // The shop's own Applications, in an Argo CD project of its own: its
    // namespaces only, no cluster-scoped kind, its repositories only. With
    // sync impersonation on (argocd-cm: application.sync.impersonation.enabled:
    // "true"), Argo CD applies them as the shop's tenant-gitops account.
    gitOps: TenantGitOps.argoCd({ sourceRepos: ['https://git.example.com/shop/*'] }),
  });
  // One Istio control plane per team, installed with `istioctl install -f`
  // (IstioInstall.sail(...) gives the Sail operator's Istio resource instead).
  const mesh = IstioInstall.istioOperator('v1.30.3');
  shop.addExtension(IstioTenantControlPlane.forTenant({ install: mesh, allowedNamespaces: ['ingress-nginx'] }));

  // Payments: accepts only the shop, runs on its own nodes, in gVisor.
  const paymentsChart = new Chart(app, 'payments');
  const payments = new SoftTenant(paymentsChart, 'Payments', {
    name: 'payments',
    admins: [TenantMember.group('payments-leads')],
    users: [TenantMember.serviceAccount('ci', 'payments-deployer')],
    network: { ingressFrom: [TenantPeer.tenant('shop', [TenantPort.tcp(8443)])] },
    quota: { requestsCpu: Cpu.units(8), limitsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(16), limitsMemory: Size.gibibytes(32) },
  });
  const placement = TenantPlacement.forTenant('payments');
  const sandbox = TenantSandbox.gvisor({ overheadCpu: Cpu.millis(100), overheadMemory: Size.mebibytes(64) });
  payments.addExtension(placement);
  payments.addExtension(sandbox);
  payments.addExtension(IstioTenantControlPlane.forTenant({ install: mesh, allowedNamespaces: ['shop', 'shop-staging'] }));
  const api = new Deployment(paymentsChart, 'api', {
    metadata: { namespace: 'payments' },
    containers: [{
      image: 'registry.example.com/payments/api:1.4.2',
      portNumber: 8443,
      securityContext: { ensureNonRoot: true, allowPrivilegeEscalation: false },
    }],
  });
  placement.applyTo(api.scheduling);
  sandbox.applyTo(api);
  // The namespace enforces Pod Security `restricted`: cdk8s-plus already
  // runs as non-root without privilege escalation; restricted also wants
  // the runtime's default seccomp profile and no capabilities, which
  // cdk8s-plus-27 cannot express (its Capability enum has no ALL).
  ApiObject.of(api).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
  );

  // Data: batch jobs at the normal batch priority unless they ask for the
  // higher one, capped by its own quota; volumes on gp3 only (gp2, the old
  // default class of EKS clusters, is refused by quota); pods in runc unless
  // they ask for gVisor.
  const dataChart = new Chart(app, 'data');
  const data = new SoftTenant(dataChart, 'Data', {
    name: 'data',
    admins: [TenantMember.group('data-leads')],
    priorityClasses: [TenantPriorityClass.of('batch-normal', { pods: 50 }), TenantPriorityClass.of('batch-high', { pods: 10, requestsCpu: Cpu.units(4) })],
    defaultPriorityClass: 'batch-normal',
    runtimeClasses: TenantRuntimeClasses.only(['runc', 'gvisor'], 'runc'),
    storage: { storageClasses: TenantStorageClasses.only(['gp3']), deniedStorageClasses: ['gp2'] },
    // The team's pipelines, from its own repository, applied by Flux as the
    // team's tenant-gitops account (the Kustomization's serviceAccountName).
    gitOps: TenantGitOps.flux({ url: 'https://git.example.com/data/pipelines.git', path: './prod' }),
  });
  // The platform's metadata store in the team's namespace: the team's
  // defaults (priority class, RuntimeClass) written into its pod template,
  // which the pod classes guard requires. Its volume names gp3: with the
  // default engine a default StorageClass needs Kubernetes 1.36, and this
  // example runs on 1.32 too.
  new k8s.KubeService(dataChart, 'metastore-pods', {
    metadata: { name: 'metastore', namespace: 'data' },
    spec: { clusterIp: 'None', selector: { app: 'metastore' }, ports: [{ name: 'thrift', port: 9083 }] },
  });
  const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  data.applyPodDefaults(new k8s.KubeStatefulSet(dataChart, 'metastore', {
    metadata: { name: 'metastore', namespace: 'data' },
    spec: {
      serviceName: 'metastore',
      selector: { matchLabels: { app: 'metastore' } },
      template: {
        metadata: { labels: { app: 'metastore' } },
        spec: { containers: [{ name: 'metastore', image: 'registry.example.com/data/metastore:3.1', securityContext: restricted, volumeMounts: [{ name: 'db', mountPath: '/var/lib/metastore' }] }] },
      },
      volumeClaimTemplates: [{
        metadata: { name: 'db' },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: k8s.Quantity.fromString('20Gi') } } },
      }],
    },
  }));
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/examples/enterprise' });
  enterprise(app);
  app.synth();
  console.log(`Synthesized ${app.charts.length} charts into ${app.outdir}/`);
}
