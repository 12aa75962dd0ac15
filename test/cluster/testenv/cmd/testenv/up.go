package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The service-account issuer (and audience) of the test cluster, as on a
// kubeadm cluster.
const issuer = "https://kubernetes.default.svc.cluster.local"

// Env is what `up` prints once everything is ready: enough for a client
// (the tests) or another controller (HNC, later) to use the cluster.
type Env struct {
	Server string `json:"server"`
	// Admin kubeconfig: a client certificate in system:masters, allowed to
	// impersonate anyone.
	Kubeconfig     string            `json:"kubeconfig"`
	CAFile         string            `json:"caFile"`
	ClientCertFile string            `json:"clientCertFile"`
	ClientKeyFile  string            `json:"clientKeyFile"`
	Etcd           string            `json:"etcd"`
	Dir            string            `json:"dir"`
	Logs           map[string]string `json:"logs"`
	Pids           map[string]int    `json:"pids"`
	Version        string            `json:"version"`
	ReadySeconds   float64           `json:"readySeconds"`
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan error
}

func up(args []string) int {
	fs := flag.NewFlagSet("up", flag.ExitOnError)
	dir := fs.String("dir", "", "directory for certificates, etcd data, kubeconfigs and logs (created)")
	watchStdin := fs.Bool("watch-stdin", false, "stop everything when stdin closes (the parent process is gone)")
	_ = fs.Parse(args)
	if *dir == "" {
		d, err := os.MkdirTemp("", "testenv-")
		if err != nil {
			return fail(err)
		}
		*dir = d
	}
	started := time.Now()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fail(err)
	}
	d, _ := filepath.Abs(*dir)
	pki := filepath.Join(d, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return fail(err)
	}

	ca, err := newAuthority(pki)
	if err != nil {
		return fail(err)
	}
	hosts := []string{"127.0.0.1", "10.96.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	for _, c := range []struct {
		name, user string
		groups     []string
		hosts      []string
	}{
		{"apiserver", "kube-apiserver", nil, hosts},
		{"admin", "cdk8s-tenancy:testenv-admin", []string{"system:masters"}, nil},
		{"controller-manager", "system:kube-controller-manager", nil, nil},
	} {
		if err := ca.issue(pki, c.name, c.user, c.groups, c.hosts); err != nil {
			return fail(err)
		}
	}
	if err := serviceAccountKeys(pki); err != nil {
		return fail(err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return fail(err)
	}
	etcdPort, peerPort, apiPort := ports[0], ports[1], ports[2]
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	env := Env{
		Server: server, Dir: d, CAFile: filepath.Join(pki, "ca.crt"),
		ClientCertFile: filepath.Join(pki, "admin.crt"), ClientKeyFile: filepath.Join(pki, "admin.key"),
		Kubeconfig: filepath.Join(d, "admin.kubeconfig"),
		Etcd:       fmt.Sprintf("http://127.0.0.1:%d", etcdPort),
		Logs:       map[string]string{}, Pids: map[string]int{},
	}
	for _, k := range []struct{ file, cert string }{{env.Kubeconfig, "admin"}, {filepath.Join(d, "controller-manager.kubeconfig"), "controller-manager"}} {
		if err := writeKubeconfig(k.file, server, pki, k.cert); err != nil {
			return fail(err)
		}
	}

	var children []*child
	stop := func() {
		// Controllers first, etcd last, so nothing logs a lost store.
		for i := len(children) - 1; i >= 0; i-- {
			c := children[i]
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-c.done:
			case <-time.After(10 * time.Second):
				_ = c.cmd.Process.Kill()
				<-c.done
			}
		}
	}
	exited := make(chan string, 3)
	start := func(name string, args ...string) error {
		log, err := os.Create(filepath.Join(d, name+".log"))
		if err != nil {
			return err
		}
		self, err := os.Executable()
		if err != nil {
			return err
		}
		cmd := exec.Command(self, append([]string{name}, args...)...)
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = childAttrs()
		if err := cmd.Start(); err != nil {
			return err
		}
		c := &child{name: name, cmd: cmd, done: make(chan error, 1)}
		go func() { err := cmd.Wait(); log.Close(); c.done <- err; exited <- name }()
		children = append(children, c)
		env.Logs[name] = log.Name()
		env.Pids[name] = cmd.Process.Pid
		return nil
	}
	failStop := func(err error) int {
		stop()
		fmt.Fprintf(os.Stderr, "testenv: %v (logs in %s)\n", err, d)
		return 1
	}

	if err := start("etcd", "--data-dir", filepath.Join(d, "etcd"), "--client-port", fmt.Sprint(etcdPort), "--peer-port", fmt.Sprint(peerPort)); err != nil {
		return failStop(err)
	}
	if err := start("kube-apiserver",
		"--etcd-servers="+env.Etcd,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler would publish the loopback address as the
		// kubernetes Service's endpoint, which validation refuses.
		"--endpoint-reconciler-type=none",
		"--tls-cert-file="+filepath.Join(pki, "apiserver.crt"),
		"--tls-private-key-file="+filepath.Join(pki, "apiserver.key"),
		"--client-ca-file="+env.CAFile,
		"--service-account-issuer="+issuer,
		"--api-audiences="+issuer,
		"--service-account-key-file="+filepath.Join(pki, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/12",
		"--authorization-mode=Node,RBAC",
		// On top of the default admission chain (NamespaceLifecycle,
		// LimitRanger, ServiceAccount, PodSecurity, ResourceQuota,
		// ValidatingAdmissionPolicy, ... as this release enables them).
		"--enable-admission-plugins=NodeRestriction",
		// As on EKS and kubeadm clusters: Pod Security decides about
		// privileged pods, not a cluster-wide switch.
		"--allow-privileged=true",
		"--profiling=false",
		// Without this (alpha, off by default) the API server drops a
		// claim's dataSourceRef naming another namespace before admission,
		// so the storage guard's rule against it could not be exercised;
		// with it on, the claim keeps the reference and only the guard
		// stands between a tenant and another namespace's data, as on a
		// cluster that enables the gate.
		"--feature-gates=CrossNamespaceVolumeDataSource=true",
	); err != nil {
		return failStop(err)
	}
	httpClient, err := adminHTTP(pki)
	if err != nil {
		return failStop(err)
	}
	if err := waitFor(httpClient, server+"/readyz", 120*time.Second, exited); err != nil {
		return failStop(fmt.Errorf("kube-apiserver: %w", err))
	}
	if err := start("kube-controller-manager",
		"--kubeconfig="+filepath.Join(d, "controller-manager.kubeconfig"),
		// Only what admission depends on: the default ServiceAccount of a
		// namespace (ServiceAccount admission), quota usage (ResourceQuota
		// admission refuses pods until the controller has computed it),
		// namespace deletion, garbage collection, and the type check of
		// ValidatingAdmissionPolicies (status.typeChecking is written by
		// this controller, not by the API server).
		"--controllers=serviceaccount-controller,resourcequota-controller,namespace-controller,garbage-collector-controller,validatingadmissionpolicy-status-controller",
		"--leader-elect=false",
		"--secure-port=0",
		// Each controller acts as its own service account (the bootstrap
		// roles system:controller:*), as on kubeadm and EKS clusters: the
		// controller manager's own user has no right to write quota status,
		// so with its own credentials quotas are never computed and
		// ResourceQuota admission refuses every pod. Tokens come from the
		// TokenRequest API (the API server signs them).
		"--use-service-account-credentials=true",
		"--root-ca-file="+env.CAFile,
	); err != nil {
		return failStop(err)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		return failStop(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return failStop(err)
	}
	// The controllers work once the default namespace has its ServiceAccount.
	deadline := time.Now().Add(120 * time.Second)
	for {
		if _, err := cs.CoreV1().ServiceAccounts("default").Get(context.Background(), "default", metav1.GetOptions{}); err == nil {
			break
		}
		select {
		case name := <-exited:
			return failStop(fmt.Errorf("%s exited before the cluster was ready", name))
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return failStop(fmt.Errorf("kube-controller-manager: no default ServiceAccount after 120s"))
		}
	}
	// The server reports the gitVersion stamped at link time, which a
	// plain `go build` leaves at v0.0.0-master: the version of the
	// k8s.io/kubernetes module built in is what runs.
	env.Version = kubernetesModuleVersion()
	if env.Version == "" {
		return failStop(fmt.Errorf("no k8s.io/kubernetes module in the build info of %s", os.Args[0]))
	}
	env.ReadySeconds = time.Since(started).Seconds()
	out, _ := json.Marshal(env)
	if err := os.WriteFile(filepath.Join(d, "env.json"), out, 0o600); err != nil {
		return failStop(err)
	}
	fmt.Println(string(out))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	stdinClosed := make(chan struct{})
	if *watchStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	}
	select {
	case <-sig:
		stop()
		return 0
	case <-stdinClosed:
		stop()
		return 0
	case name := <-exited:
		return failStop(fmt.Errorf("%s exited", name))
	}
}

func fail(err error) int {
	fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
	return 1
}

// freePorts asks the kernel for n distinct free loopback ports. They are
// released before the components bind them; nothing else on loopback
// races for ports in that moment in practice, and a lost race fails the
// start loudly (the harness starts again).
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func writeKubeconfig(file, server, pki, cert string) error {
	c := clientcmdapi.NewConfig()
	c.Clusters["testenv"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: filepath.Join(pki, "ca.crt")}
	c.AuthInfos[cert] = &clientcmdapi.AuthInfo{ClientCertificate: filepath.Join(pki, cert+".crt"), ClientKey: filepath.Join(pki, cert+".key")}
	c.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: cert}
	c.CurrentContext = "testenv"
	return clientcmd.WriteToFile(*c, file)
}

func adminHTTP(pki string) (*http.Client, error) {
	caPEM, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, "admin.crt"), filepath.Join(pki, "admin.key"))
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}, nil
}

func waitFor(c *http.Client, url string, timeout time.Duration, exited chan string) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case name := <-exited:
			return fmt.Errorf("%s exited", name)
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready after %s: %s", timeout, last)
}

// kubernetesModuleVersion is the version of k8s.io/kubernetes this binary
// was built from (go.mod or go-1.32.mod pins it).
func kubernetesModuleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path == "k8s.io/kubernetes" {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
}
