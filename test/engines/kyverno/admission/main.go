// Command admission runs pod admission requests through Kyverno's own
// admission path for ClusterPolicies: the resource webhook's mutation and
// validation handlers (pkg/webhooks/resource/mutation, .../validation) and
// the engine they call, built the way the admission controller builds it
// (cmd/internal/engine.go: a Kubernetes client, and `isCluster` left nil,
// which the engine takes as true).
//
// Why not the CLI: `kyverno apply` builds its engine with isCluster false,
// even with --cluster (cmd/cli/kubectl-kyverno/processor/policy_processor.go,
// ApplyPoliciesOnResource), and a ClusterPolicy's `validate.cel` then gets a
// namespace with its name only (pkg/engine/handlers/validation/validate_cel.go).
// In a cluster the same handler reads the namespace through the client
// (client.GetNamespace): here the client serves the namespaces the request
// names, with their labels, from an in-memory clientset.
//
// What stands in for the cluster: the API server's namespaces (a fake
// clientset and a lister over the same objects, for the engine's
// GetNamespace and the handlers' namespace lister), the policy cache's
// discovery (pods and claims only), and the webhook server in front of the handlers
// (TLS, decoding, resource filters: Kyverno's default configuration has none
// without its ConfigMap, roles: none are looked up). The policies are loaded
// by the CLI's loader (validated and defaulted with Kyverno's CRDs, as the
// API server does with the installed CRDs) and put in Kyverno's policy cache,
// which picks the policies of each webhook as the admission controller does.
//
// Input (stdin, JSON): {"policies": "<path of a YAML file>", "namespaces":
// [Namespace...], "requests": [{"id", "operation", "namespace", "pod",
// "userInfo": {"username", "groups"}}]}. Output (stdout, JSON): one outcome
// per request: every rule result the engine gave (mutation, then
// validation), whether the webhook refused it and why, and the pod as the
// API server would store it (the mutating webhook's JSON patch applied as
// the API server applies it).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	kyvernov1 "github.com/kyverno/kyverno/api/kyverno/v1"
	"github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno/policy"
	"github.com/kyverno/kyverno/pkg/clients/dclient"
	"github.com/kyverno/kyverno/pkg/config"
	"github.com/kyverno/kyverno/pkg/engine"
	"github.com/kyverno/kyverno/pkg/engine/adapters"
	engineapi "github.com/kyverno/kyverno/pkg/engine/api"
	"github.com/kyverno/kyverno/pkg/engine/context/resolvers"
	"github.com/kyverno/kyverno/pkg/engine/factories"
	"github.com/kyverno/kyverno/pkg/engine/jmespath"
	"github.com/kyverno/kyverno/pkg/event"
	imageverifycache "github.com/kyverno/kyverno/pkg/image/verification/cache"
	"github.com/kyverno/kyverno/pkg/metrics"
	"github.com/kyverno/kyverno/pkg/policycache"
	reportutils "github.com/kyverno/kyverno/pkg/utils/report"
	"github.com/kyverno/kyverno/pkg/webhooks/handlers"
	"github.com/kyverno/kyverno/pkg/webhooks/resource/mutation"
	"github.com/kyverno/kyverno/pkg/webhooks/resource/validation"
	webhookutils "github.com/kyverno/kyverno/pkg/webhooks/utils"
	"github.com/kyverno/sdk/extensions/registryclient"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

type input struct {
	Policies   string             `json:"policies"`
	Namespaces []corev1.Namespace `json:"namespaces"`
	Requests   []request          `json:"requests"`
}

type request struct {
	ID        string          `json:"id"`
	Operation string          `json:"operation"`
	Namespace string          `json:"namespace"`
	Pod       json.RawMessage `json:"pod"`
	UserInfo  struct {
		Username string   `json:"username"`
		Groups   []string `json:"groups"`
	} `json:"userInfo"`
}

type ruleResult struct {
	Policy  string `json:"policy"`
	Rule    string `json:"rule"`
	Result  string `json:"result"`
	Message string `json:"message"`
}

type outcome struct {
	ID      string          `json:"id"`
	Results []ruleResult    `json:"results"`
	Refused bool            `json:"refused"`
	Message string          `json:"message"`
	Mutated json.RawMessage `json:"mutated"`
}

// recorder is the engine the handlers call: Kyverno's engine, with every
// response it gives kept, so that each rule's result can be reported (the
// mutation handler returns only the joined patch).
type recorder struct {
	engineapi.Engine
	responses []engineapi.EngineResponse
}

func (r *recorder) Mutate(ctx context.Context, pc engineapi.PolicyContext) engineapi.EngineResponse {
	resp := r.Engine.Mutate(ctx, pc)
	r.responses = append(r.responses, resp)
	return resp
}

func (r *recorder) Validate(ctx context.Context, pc engineapi.PolicyContext) engineapi.EngineResponse {
	resp := r.Engine.Validate(ctx, pc)
	r.responses = append(r.responses, resp)
	return resp
}

// The kinds the library's Kyverno policies match, with the resource the API
// server names them by in an admission request (and discovery serves).
var resources = map[string]schema.GroupVersionResource{
	"Pod":                   {Version: "v1", Resource: "pods"},
	"PersistentVolumeClaim": {Version: "v1", Resource: "persistentvolumeclaims"},
}

// kindOf reads the request object's kind: the cases give pods and claims.
func kindOf(object json.RawMessage) (schema.GroupVersionKind, schema.GroupVersionResource, error) {
	var typ struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(object, &typ)
	gvr, ok := resources[typ.Kind]
	if !ok {
		return schema.GroupVersionKind{}, schema.GroupVersionResource{}, fmt.Errorf("kind %q: only Pod and PersistentVolumeClaim are run here", typ.Kind)
	}
	return schema.GroupVersionKind{Version: "v1", Kind: typ.Kind}, gvr, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func run() error {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return fmt.Errorf("reading the input: %w", err)
	}
	loaded, err := policy.Load(nil, "", in.Policies)
	if err != nil {
		return fmt.Errorf("loading the policies: %w", err)
	}
	if len(loaded.NonFatalErrors) > 0 {
		e := loaded.NonFatalErrors[0]
		return fmt.Errorf("loading the policies: %s: %w", e.Path, e.Error)
	}
	if len(loaded.Policies) == 0 {
		return fmt.Errorf("no ClusterPolicy or Policy in %s", in.Policies)
	}

	// The namespaces as the API server would serve them: to the engine's
	// client (validate.cel's namespaceObject) and to the handlers' lister
	// (the labels for match/exclude namespaceSelector).
	objects := make([]runtime.Object, 0, len(in.Namespaces))
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for i := range in.Namespaces {
		ns := in.Namespaces[i].DeepCopy()
		objects = append(objects, ns)
		if err := indexer.Add(ns); err != nil {
			return err
		}
	}
	nsLister := corev1listers.NewNamespaceLister(indexer)
	kube := kubefake.NewSimpleClientset(objects...)
	served := make([]schema.GroupVersionResource, 0, len(resources))
	for _, gvr := range resources {
		served = append(served, gvr)
	}
	discovery := dclient.NewFakeDiscoveryClient(served)
	client := dclient.NewFakeClientWithDisco(dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()), kube, discovery)

	// The engine as cmd/internal/engine.go builds it for the admission
	// controller (policy exceptions off, as with --enablePolicyException=false).
	cfg := config.NewDefaultConfiguration(false)
	jp := jmespath.New(cfg)
	configMapResolver, err := resolvers.NewClientBasedResolver(kube)
	if err != nil {
		return err
	}
	eng := &recorder{Engine: engine.NewEngine(
		cfg,
		jp,
		adapters.Client(client),
		factories.DefaultRegistryClientFactory(adapters.RegistryClient(registryclient.New()), nil),
		imageverifycache.DisabledImageVerifyCache(),
		factories.DefaultContextLoaderFactory(configMapResolver),
		nil,
		nil,
	)}

	// The policy cache, as pkg/controllers/policycache fills it.
	pCache := policycache.NewCache()
	for _, p := range loaded.Policies {
		if err := check(p); err != nil {
			return err
		}
		key, err := cache.MetaNamespaceKeyFunc(p)
		if err != nil {
			return err
		}
		if err := pCache.Set(key, p, discovery); err != nil {
			return fmt.Errorf("policy %s: %w", key, err)
		}
	}

	// The reporting configuration the handlers consult, from the admission
	// controller's flag defaults (cmd/internal/flag.go: --allowedResults,
	// --enableReporting); no report is written (admissionReports false below).
	reportutils.NewReportingConfig([]string{"pass", "fail", "error", "warn", "skip"}, "validate", "mutate", "mutateExisting", "generate", "imageVerify")
	logger := logr.Discard()
	pcBuilder := webhookutils.NewPolicyContextBuilder(cfg, jp)
	metricsConfig := metrics.NewFakeMetricsConfig()
	// No admission reports (the last argument): nothing is written to a cluster.
	mh := mutation.NewMutationHandler(logger, nil, eng, event.NewFake(), nsLister, metricsConfig, false)
	vh := validation.NewValidationHandler(logger, nil, eng, pCache, pcBuilder, event.NewFake(), false, metricsConfig, nsLister)

	ctx := context.Background()
	outcomes := make([]outcome, 0, len(in.Requests))
	for i, r := range in.Requests {
		ns, err := nsLister.Get(r.Namespace)
		if err != nil {
			return fmt.Errorf("request %s: %w", r.ID, err)
		}
		eng.responses = nil
		o := outcome{ID: r.ID, Mutated: r.Pod}
		gvk, gvr, err := kindOf(r.Pod)
		if err != nil {
			return fmt.Errorf("request %s: %w", r.ID, err)
		}
		req := admissionRequest(r, i, gvk, gvr)

		// The mutating webhook (resourceHandlers.Mutate, with the policies of the
		// `failurePolicy: Fail` webhook, which check makes all of them).
		if mutatePolicies := pCache.GetPolicies(policycache.Mutate, gvr, "", ns); len(mutatePolicies) > 0 {
			pc, err := pcBuilder.Build(req.AdmissionRequest, req.Roles, req.ClusterRoles, req.GroupVersionKind)
			if err != nil {
				return fmt.Errorf("request %s: %w", r.ID, err)
			}
			patch, _, err := mh.HandleMutation(ctx, req, mutatePolicies, pc, time.Now(), cfg)
			if err != nil {
				// The webhook answers with the error: the API server refuses the request.
				o.Refused, o.Message = true, err.Error()
			} else if len(patch) > 0 {
				// As the API server applies a mutating webhook's patch.
				decoded, err := jsonpatch.DecodePatch(patch)
				if err != nil {
					return fmt.Errorf("request %s: the webhook's patch: %w", r.ID, err)
				}
				if o.Mutated, err = decoded.Apply(r.Pod); err != nil {
					return fmt.Errorf("request %s: applying the webhook's patch: %w", r.ID, err)
				}
			}
		}

		// The validating webhook (resourceHandlers.Validate) sees the mutated pod.
		if !o.Refused {
			req.Object = runtime.RawExtension{Raw: o.Mutated}
			enforce := pCache.GetPolicies(policycache.ValidateEnforce, gvr, "", ns)
			auditWarn := pCache.GetPolicies(policycache.ValidateAuditWarn, gvr, "", ns)
			ok, msg, _, _ := vh.HandleValidationEnforce(ctx, req, enforce, auditWarn, time.Now())
			o.Refused, o.Message = !ok, msg
		}

		for _, resp := range eng.responses {
			for _, rule := range resp.PolicyResponse.Rules {
				o.Results = append(o.Results, ruleResult{
					Policy: resp.Policy().GetName(), Rule: rule.Name(), Result: string(rule.Status()), Message: rule.Message(),
				})
			}
		}
		outcomes = append(outcomes, o)
	}
	return json.NewEncoder(os.Stdout).Encode(outcomes)
}

// check refuses what this program does not run as the admission controller
// would, rather than judge it differently: the webhook of `failurePolicy:
// Ignore` (a second webhook, with its own order), audit-only validation
// (run after the response, never refusing), and policy kinds other than
// mutate and validate.
func check(p kyvernov1.PolicyInterface) error {
	spec := p.GetSpec()
	if spec.GetFailurePolicy(context.Background()) != kyvernov1.Fail {
		return fmt.Errorf("policy %s: only failurePolicy Fail is run here", p.GetName())
	}
	for _, rule := range spec.Rules {
		if rule.HasGenerate() || rule.HasVerifyImages() {
			return fmt.Errorf("policy %s rule %s: only mutate and validate rules are run here", p.GetName(), rule.Name)
		}
		if rule.HasValidate() && (rule.Validation.FailureAction == nil || !rule.Validation.FailureAction.Enforce()) {
			return fmt.Errorf("policy %s rule %s: only validate.failureAction Enforce is run here", p.GetName(), rule.Name)
		}
	}
	return nil
}

// admissionRequest is the request the API server sends the webhook for the
// object (a pod or a claim). UPDATE gives oldObject the same object (as the
// CLI runs it: the cases judge the object, not a change to it).
func admissionRequest(r request, i int, gvk schema.GroupVersionKind, gvr schema.GroupVersionResource) handlers.AdmissionRequest {
	dryRun := false
	req := admissionv1.AdmissionRequest{
		UID:             types.UID(fmt.Sprintf("request-%d", i)),
		Kind:            metav1.GroupVersionKind(gvk),
		Resource:        metav1.GroupVersionResource(gvr),
		RequestKind:     &metav1.GroupVersionKind{Version: gvk.Version, Kind: gvk.Kind},
		RequestResource: &metav1.GroupVersionResource{Version: gvr.Version, Resource: gvr.Resource},
		Name:            podName(r.Pod),
		Namespace:       r.Namespace,
		Operation:       admissionv1.Operation(r.Operation),
		UserInfo:        authenticationv1.UserInfo{Username: r.UserInfo.Username, Groups: r.UserInfo.Groups},
		Object:          runtime.RawExtension{Raw: r.Pod},
		DryRun:          &dryRun,
	}
	if r.Operation == "UPDATE" {
		req.OldObject = runtime.RawExtension{Raw: r.Pod}
	}
	return handlers.AdmissionRequest{AdmissionRequest: req, GroupVersionKind: gvk}
}

func podName(pod json.RawMessage) string {
	var meta struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(pod, &meta)
	return meta.Metadata.Name
}
