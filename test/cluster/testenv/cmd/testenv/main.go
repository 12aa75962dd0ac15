// Command testenv runs a real Kubernetes control plane on loopback for the
// cluster test tier: etcd (embedded from go.etcd.io/etcd/server/v3, the
// version Kubernetes pins), kube-apiserver and kube-controller-manager (from
// k8s.io/kubernetes, unmodified), each in its own process started from this
// one binary, so a crash or a global (flags, feature gates, logging) in one
// cannot affect the others.
//
//	testenv up --dir DIR
//
// generates a CA, serving and client certificates and service-account keys
// in DIR, picks free loopback ports, starts the three components, waits
// until the API server is ready and the controllers work, then prints one
// JSON line (also written to DIR/env.json) saying where everything is. It
// stops everything on SIGTERM/SIGINT, when its stdin closes (the test
// process died), or when a component exits. Components die with it
// (parent-death signal on Linux). Logs go to DIR/<component>.log.
package main

import (
	"fmt"
	"os"

	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testenv up --dir DIR | etcd ... | kube-apiserver ... | kube-controller-manager ...")
		os.Exit(2)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "up":
		os.Exit(up(args))
	case "etcd":
		os.Exit(runEtcd(args))
	case "kube-apiserver":
		cmd := apiserver.NewAPIServerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	case "kube-controller-manager":
		cmd := controllermanager.NewControllerManagerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	default:
		fmt.Fprintf(os.Stderr, "testenv: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}
