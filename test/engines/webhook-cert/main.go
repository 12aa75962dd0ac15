// Command webhook-cert writes a serving certificate for a webhook the tests
// run on loopback: ca.crt (the caBundle of the webhook configuration),
// tls.crt and tls.key (the server's, as controller-runtime reads them from
// its certificate directory), into -dir. The CA's key is never written: it
// signs the leaf and is gone, so nothing else can be signed by it. Both
// expire in a day, like the test control plane's.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	dir := flag.String("dir", "", "the folder to write ca.crt, tls.crt and tls.key into (created)")
	hosts := flag.String("hosts", "127.0.0.1", "comma-separated IP addresses and DNS names the leaf serves")
	name := flag.String("name", "webhook", "the leaf's common name")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "webhook-cert: -dir is required")
		os.Exit(2)
	}
	if err := write(*dir, *name, strings.Split(*hosts, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "webhook-cert: %v\n", err)
		os.Exit(1)
	}
}

func write(dir, name string, hosts []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name + " CA (cdk8s-tenancy tests)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else if h != "" {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	if len(leaf.IPAddresses)+len(leaf.DNSNames) == 0 {
		return fmt.Errorf("-hosts names no host")
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		file, kind string
		der        []byte
	}{{"ca.crt", "CERTIFICATE", caDER}, {"tls.crt", "CERTIFICATE", der}, {"tls.key", "PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(filepath.Join(dir, f.file), pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der}), 0o600); err != nil {
			return err
		}
	}
	return nil
}
