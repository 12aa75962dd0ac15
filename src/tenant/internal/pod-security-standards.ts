/**
 * The Pod Security Standards, ported from their reference implementation,
 * k8s.io/pod-security-admission@v0.37.2 `policy/check_*.go`: the same
 * checks, levels, versions (each check's MinimumVersion) and field rules,
 * so the audit can tell whether a pod template would be admitted by the
 * Pod Security level and version its namespace enforces. What it does not
 * port: the exemptions (usernames, runtime classes, namespaces) an API
 * server may be configured with, which manifests do not show.
 */

/** A Pod Security version: [major, minor], or `latest`. */
type Version = [number, number] | 'latest';

interface PodLike { metadata?: any; spec: any }

interface Check {
  readonly id: string;
  readonly level: 'baseline' | 'restricted';
  /** Versions, oldest first: the newest whose minimum is at most the namespace's version applies. */
  readonly versions: { min: [number, number]; check: (pod: PodLike) => string | undefined }[];
  /** Baseline checks a restricted one replaces, from its first version on. */
  readonly overrides?: string[];
}

const containersOf = (spec: any): any[] => [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
const sc = (c: any) => c?.securityContext ?? {};
const podSc = (spec: any) => spec?.securityContext ?? {};
const q = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
const plural = (names: string[], one: string, many: string) => `${names.length === 1 ? one : many} ${q(names)}`;
const windows = (spec: any) => spec?.os?.name === 'windows';
const userNamespace = (spec: any) => spec?.hostUsers === false;
const uniq = (xs: string[]) => [...new Set(xs)].sort();

function allowPrivilegeEscalation(pod: PodLike): string | undefined {
  const bad = containersOf(pod.spec).filter((c) => sc(c).allowPrivilegeEscalation !== false).map((c) => c.name);
  return bad.length ? `${plural(bad, 'container', 'containers')} must set securityContext.allowPrivilegeEscalation=false` : undefined;
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
function appArmor(pod: PodLike): string | undefined {
  const okType = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';
  const bad: string[] = [];
  if (podSc(pod.spec).appArmorProfile && !okType(podSc(pod.spec).appArmorProfile.type)) bad.push('pod');
  const cs = containersOf(pod.spec).filter((c) => sc(c).appArmorProfile && !okType(sc(c).appArmorProfile.type)).map((c) => c.name);
  if (cs.length) bad.push(plural(cs, 'container', 'containers'));
  const annotations = Object.entries(pod.metadata?.annotations ?? {})
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || String(v).startsWith('localhost/')));
  if (annotations.length) bad.push('annotations');
  return bad.length ? `${bad.join(' and ')} must not set an AppArmor profile other than RuntimeDefault or Localhost` : undefined;
}

const CAPS_BASELINE = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
function capabilitiesBaseline(pod: PodLike): string | undefined {
  const added = (c: any): string[] => sc(c).capabilities?.add ?? [];
  const bad = containersOf(pod.spec).filter((c) => added(c).some((x) => !CAPS_BASELINE.has(x)));
  if (!bad.length) return undefined;
  const caps = uniq(bad.flatMap((c) => added(c).filter((x) => !CAPS_BASELINE.has(x))));
  return `${plural(bad.map((c) => c.name), 'container', 'containers')} must not include ${q(caps)} in securityContext.capabilities.add`;
}
function capabilitiesRestricted(pod: PodLike): string | undefined {
  const cs = containersOf(pod.spec);
  const missing = cs.filter((c) => !(sc(c).capabilities?.drop ?? []).includes('ALL')).map((c) => c.name);
  const adding = cs.filter((c) => (sc(c).capabilities?.add ?? []).some((x: string) => x !== 'NET_BIND_SERVICE'));
  const out: string[] = [];
  if (missing.length) out.push(`${plural(missing, 'container', 'containers')} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) {
    const caps = uniq(adding.flatMap((c) => (sc(c).capabilities.add as string[]).filter((x) => x !== 'NET_BIND_SERVICE')));
    out.push(`${plural(adding.map((c) => c.name), 'container', 'containers')} must not include ${q(caps)} in securityContext.capabilities.add`);
  }
  return out.length ? out.join('; ') : undefined;
}
const skipWindows = (f: (p: PodLike) => string | undefined) => (p: PodLike) => (windows(p.spec) ? undefined : f(p));
const skipUserNamespace = (f: (p: PodLike) => string | undefined) => (p: PodLike) => (userNamespace(p.spec) ? undefined : f(p));

function hostNamespaces(pod: PodLike): string | undefined {
  const bad = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => pod.spec?.[k] === true).map((k) => `${k}=true`);
  return bad.length ? `${bad.join(', ')}` : undefined;
}
function hostPathVolumes(pod: PodLike): string | undefined {
  const bad = (pod.spec?.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => v.name);
  return bad.length ? `hostPath ${plural(bad, 'volume', 'volumes')}` : undefined;
}
function hostPorts(pod: PodLike): string | undefined {
  const bad = containersOf(pod.spec).filter((c) => (c.ports ?? []).some((p: any) => p.hostPort && p.hostPort !== 0));
  return bad.length ? `${plural(bad.map((c) => c.name), 'container', 'containers')} use hostPort` : undefined;
}
function hostProbesAndLifecycle(pod: PodLike): string | undefined {
  const hosts = (h: any): string[] => (h ? [h.httpGet?.host, h.tcpSocket?.host].filter((x) => x) : []);
  const bad = containersOf(pod.spec).filter((c) => [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop]
    .some((h) => hosts(h).length > 0));
  return bad.length ? `${plural(bad.map((c) => c.name), 'container', 'containers')} use a host in a probe or lifecycle handler` : undefined;
}
function privileged(pod: PodLike): string | undefined {
  const bad = containersOf(pod.spec).filter((c) => sc(c).privileged === true).map((c) => c.name);
  return bad.length ? `${plural(bad, 'container', 'containers')} must not set securityContext.privileged=true` : undefined;
}
function procMount(pod: PodLike): string | undefined {
  const bad = containersOf(pod.spec).filter((c) => sc(c).procMount !== undefined && sc(c).procMount !== 'Default').map((c) => c.name);
  return bad.length ? `${plural(bad, 'container', 'containers')} must not set securityContext.procMount to a non-default value` : undefined;
}
const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
function restrictedVolumes(pod: PodLike): string | undefined {
  // A volume with no source is an emptyDir: the API server defaults it so.
  const bad = (pod.spec?.volumes ?? []).filter((v: any) => Object.keys(v).some((k) => k !== 'name')
    && !ALLOWED_VOLUMES.some((k) => v[k] !== undefined && v[k] !== null));
  if (!bad.length) return undefined;
  const types = uniq(bad.flatMap((v: any) => Object.keys(v).filter((k) => k !== 'name')));
  return `restricted volume types: ${plural(bad.map((v: any) => v.name), 'volume', 'volumes')} use ${q(types)}`;
}
function runAsNonRoot(pod: PodLike): string | undefined {
  const podValue = podSc(pod.spec).runAsNonRoot;
  const out: string[] = [];
  if (podValue === false) out.push('pod must not set securityContext.runAsNonRoot=false');
  const explicit = containersOf(pod.spec).filter((c) => sc(c).runAsNonRoot === false).map((c) => c.name);
  if (explicit.length) out.push(`${plural(explicit, 'container', 'containers')} must not set securityContext.runAsNonRoot=false`);
  const implicit = containersOf(pod.spec).filter((c) => sc(c).runAsNonRoot === undefined && podValue !== true).map((c) => c.name);
  if (implicit.length && !out.length) out.push(`pod or ${plural(implicit, 'container', 'containers')} must set securityContext.runAsNonRoot=true`);
  return out.length ? out.join('; ') : undefined;
}
function runAsUser(pod: PodLike): string | undefined {
  const bad: string[] = [];
  if (podSc(pod.spec).runAsUser === 0) bad.push('pod');
  const cs = containersOf(pod.spec).filter((c) => sc(c).runAsUser === 0).map((c) => c.name);
  if (cs.length) bad.push(plural(cs, 'container', 'containers'));
  return bad.length ? `${bad.join(' and ')} must not set runAsUser=0` : undefined;
}
function seLinux(allowedTypes: string[]) {
  return (pod: PodLike): string | undefined => {
    const ok = (o: any) => allowedTypes.includes(o.type ?? '') && !o.user && !o.role;
    const bad: string[] = [];
    if (podSc(pod.spec).seLinuxOptions && !ok(podSc(pod.spec).seLinuxOptions)) bad.push('pod');
    const cs = containersOf(pod.spec).filter((c) => sc(c).seLinuxOptions && !ok(sc(c).seLinuxOptions)).map((c) => c.name);
    if (cs.length) bad.push(plural(cs, 'container', 'containers'));
    return bad.length ? `${bad.join(' and ')} set forbidden securityContext.seLinuxOptions` : undefined;
  };
}
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccomp = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
function seccompBaselineAnnotations(pod: PodLike): string | undefined {
  const ok = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const annotations = pod.metadata?.annotations ?? {};
  const keys = [SECCOMP_POD_ANNOTATION, ...containersOf(pod.spec).map((c) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name)];
  const bad = keys.filter((k) => k in annotations && !ok(String(annotations[k])));
  return bad.length ? `forbidden seccomp annotations ${q(bad)}` : undefined;
}
function seccompBaseline(pod: PodLike): string | undefined {
  const bad: string[] = [];
  if (podSc(pod.spec).seccompProfile && !validSeccomp(podSc(pod.spec).seccompProfile.type)) bad.push('pod');
  const cs = containersOf(pod.spec).filter((c) => sc(c).seccompProfile && !validSeccomp(sc(c).seccompProfile.type)).map((c) => c.name);
  if (cs.length) bad.push(plural(cs, 'container', 'containers'));
  return bad.length ? `${bad.join(' and ')} must not set securityContext.seccompProfile.type to Unconfined` : undefined;
}
function seccompRestricted(pod: PodLike): string | undefined {
  const podProfile = podSc(pod.spec).seccompProfile;
  const podSet = podProfile !== undefined && validSeccomp(podProfile.type);
  const explicit = seccompBaseline(pod);
  const implicit = containersOf(pod.spec).filter((c) => sc(c).seccompProfile === undefined && !podSet).map((c) => c.name);
  if (explicit) return explicit;
  return implicit.length ? `pod or ${plural(implicit, 'container', 'containers')} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` : undefined;
}
const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];
function sysctls(allowed: string[]) {
  return (pod: PodLike): string | undefined => {
    const bad = (podSc(pod.spec).sysctls ?? []).map((s: any) => s.name).filter((n: string) => !allowed.includes(n));
    return bad.length ? `forbidden sysctls ${q(bad)}` : undefined;
  };
}
function windowsHostProcess(pod: PodLike): string | undefined {
  const bad: string[] = [];
  if (podSc(pod.spec).windowsOptions?.hostProcess === true) bad.push('pod');
  const cs = containersOf(pod.spec).filter((c) => sc(c).windowsOptions?.hostProcess === true).map((c) => c.name);
  if (cs.length) bad.push(plural(cs, 'container', 'containers'));
  return bad.length ? `${bad.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` : undefined;
}

const SELINUX_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];

/** The checks, as `policy/check_*.go` registers them. */
const CHECKS: Check[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ min: [1, 8], check: allowPrivilegeEscalation }, { min: [1, 25], check: skipWindows(allowPrivilegeEscalation) }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: [1, 0], check: appArmor }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: [1, 0], check: capabilitiesBaseline }] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    versions: [{ min: [1, 22], check: capabilitiesRestricted }, { min: [1, 25], check: skipWindows(capabilitiesRestricted) }],
  },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: [1, 0], check: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: [1, 0], check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: [1, 0], check: hostPorts }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ min: [1, 34], check: hostProbesAndLifecycle }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: [1, 0], check: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ min: [1, 0], check: procMount }, { min: [1, 35], check: skipUserNamespace(procMount) }] },
  { id: 'procMount_restricted', level: 'restricted', overrides: ['procMount'], versions: [{ min: [1, 35], check: procMount }] },
  { id: 'restrictedVolumes', level: 'restricted', overrides: ['hostPathVolumes'], versions: [{ min: [1, 0], check: restrictedVolumes }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ min: [1, 0], check: runAsNonRoot }, { min: [1, 35], check: skipUserNamespace(runAsNonRoot) }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ min: [1, 23], check: runAsUser }, { min: [1, 35], check: skipUserNamespace(runAsUser) }] },
  { id: 'seLinuxOptions', level: 'baseline', versions: [{ min: [1, 0], check: seLinux(SELINUX_1_0) }, { min: [1, 31], check: seLinux([...SELINUX_1_0, 'container_engine_t']) }] },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ min: [1, 0], check: seccompBaselineAnnotations }, { min: [1, 19], check: seccompBaseline }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    versions: [{ min: [1, 19], check: seccompRestricted }, { min: [1, 25], check: skipWindows(seccompRestricted) }],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: [1, 0], check: sysctls(SYSCTLS_1_0) }, { min: [1, 27], check: sysctls(SYSCTLS_1_27) }, { min: [1, 29], check: sysctls(SYSCTLS_1_29) },
      { min: [1, 32], check: sysctls(SYSCTLS_1_32) }, { min: [1, 37], check: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: [1, 0], check: windowsHostProcess }] },
];

const atMost = (a: [number, number], b: Version) => b === 'latest' || a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/**
 * Parses a Pod Security version label value (`v1.30`, `latest`); undefined
 * when it is not one (the API server then uses `latest`).
 */
export function parsePodSecurityVersion(value: string | undefined): Version | undefined {
  if (value === undefined || value === 'latest') return 'latest';
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(value);
  return m ? [1, Number(m[1])] : undefined;
}

/**
 * Why the Pod Security `level` at `version` would refuse a pod with this
 * metadata and spec: one line per failed check, none when it is admitted.
 * `privileged` admits everything.
 */
export function podSecurityViolations(level: string, version: Version, pod: PodLike): string[] {
  if (level === 'privileged') return [];
  const applicable = CHECKS.filter((c) => (level === 'restricted' || c.level === 'baseline'))
    .map((c) => ({ c, v: [...c.versions].reverse().find((x) => atMost(x.min, version)) }))
    .filter((x) => x.v !== undefined);
  // A restricted check replaces the baseline checks it overrides (as of its version).
  const overridden = new Set(applicable.flatMap((x) => x.c.overrides ?? []));
  return applicable.filter((x) => !overridden.has(x.c.id)).flatMap((x) => {
    const why = x.v!.check({ metadata: pod.metadata ?? {}, spec: pod.spec ?? {} });
    return why ? [`${x.c.id}: ${why}`] : [];
  });
}
