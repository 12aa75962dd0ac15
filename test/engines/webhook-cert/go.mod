// A serving certificate for an admission webhook the tests run on loopback
// (HNC's, see test/cluster/hnc.ts): a CA made for one run and a leaf for
// the given hosts, from Go's standard library alone (crypto/x509), so it
// pins nothing and builds in seconds.
module github.com/cdk8s-tenancy/cdk8s-tenancy/test/engines/webhook-cert

go 1.26.8
