// Command webhook runs admission requests through OPA Gatekeeper's own
// engine the way Gatekeeper's webhooks do (pkg/webhook mutation.go and
// policy.go of the pinned release), without a cluster: the mutation system
// (pkg/mutation with the Assign and AssignMetadata mutators) first, then the
// constraint framework client with Gatekeeper's drivers (K8sNativeValidation
// and Rego) and its Kubernetes validation target.
//
// gator (cmd/gator, built from the same module) cannot stand in for it:
// `gator verify` and `gator test` review objects without their namespace
// (no reviews.Namespace option, so a template's CEL sees namespaceObject as
// null), and `gator expand` applies mutators to generated resources only.
// What this file adds is the glue the webhooks have around those calls:
// fetching the namespace (here: given), setting the object's namespace
// from the request, and keeping the results whose enforcement action denies.
//
// Input (stdin): {"objects": [...manifests...], "requests": [...]} where a
// request is {"name", "operation", "namespace" (the Namespace object, or
// null), "object", "oldObject", "username", "groups", "mutate"}.
// Output (stdout): one result per request, in order:
// {"name", "object" (after mutation), "mutated", "denials": [{"constraint", "message", "enforcementAction"}], "error"}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	mutationsunversioned "github.com/open-policy-agent/gatekeeper/v3/apis/mutations/unversioned"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/mutators/assign"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/mutators/assignmeta"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

type request struct {
	Name      string                 `json:"name"`
	Operation admissionv1.Operation  `json:"operation"`
	Namespace map[string]interface{} `json:"namespace"`
	Object    map[string]interface{} `json:"object"`
	OldObject map[string]interface{} `json:"oldObject"`
	Username  string                 `json:"username"`
	Groups    []string               `json:"groups"`
	// Mutate runs the mutation webhook before the validating one; false
	// judges the object as given (the mutation webhook down).
	Mutate bool `json:"mutate"`
}

type denial struct {
	Constraint        string `json:"constraint"`
	Message           string `json:"message"`
	EnforcementAction string `json:"enforcementAction"`
}

type result struct {
	Name    string                 `json:"name"`
	Object  map[string]interface{} `json:"object"`
	Mutated bool                   `json:"mutated"`
	Denials []denial               `json:"denials"`
	Error   string                 `json:"error,omitempty"`
}

func main() {
	var in struct {
		Objects  []map[string]interface{} `json:"objects"`
		Requests []request                `json:"requests"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("reading the input: %v", err)
	}
	objects := make([]*unstructured.Unstructured, len(in.Objects))
	for i, o := range in.Objects {
		objects[i] = &unstructured.Unstructured{Object: o}
	}
	ctx := context.Background()
	client, err := newClient(ctx, objects)
	if err != nil {
		fail("%v", err)
	}
	mutator, err := newMutationSystem(objects)
	if err != nil {
		fail("%v", err)
	}
	out := make([]result, len(in.Requests))
	for i, r := range in.Requests {
		out[i] = admit(ctx, client, mutator, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("writing the output: %v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// newClient is the constraint framework client of Gatekeeper's main.go:
// the Kubernetes validation target, the K8sNativeValidation (CEL) and Rego
// drivers, the webhook's enforcement point; then every ConstraintTemplate
// and every Constraint of the input, as Gatekeeper's controllers add them
// (a Constraint is checked against the CRD schema generated from its
// template: a Constraint the template does not allow fails here).
func newClient(ctx context.Context, objects []*unstructured.Unstructured) (*constraintclient.Client, error) {
	celDriver, err := k8scel.New()
	if err != nil {
		return nil, fmt.Errorf("creating the K8sNativeValidation driver: %w", err)
	}
	regoDriver, err := rego.New()
	if err != nil {
		return nil, fmt.Errorf("creating the Rego driver: %w", err)
	}
	client, err := constraintclient.NewClient(
		constraintclient.Targets(&target.K8sValidationTarget{}),
		constraintclient.Driver(celDriver),
		constraintclient.Driver(regoDriver),
		constraintclient.EnforcementPoints(util.WebhookEnforcementPoint),
	)
	if err != nil {
		return nil, fmt.Errorf("creating the constraint client: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return nil, err
	}
	for _, o := range objects {
		if !reader.IsTemplate(o) {
			continue
		}
		template, err := reader.ToTemplate(scheme, o)
		if err != nil {
			return nil, fmt.Errorf("ConstraintTemplate %s: %w", o.GetName(), err)
		}
		if _, err := client.AddTemplate(ctx, template); err != nil {
			return nil, fmt.Errorf("adding ConstraintTemplate %s: %w", o.GetName(), err)
		}
	}
	for _, o := range objects {
		if !reader.IsConstraint(o) {
			continue
		}
		if _, err := client.AddConstraint(ctx, o); err != nil {
			return nil, fmt.Errorf("adding %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return client, nil
}

// newMutationSystem holds every Assign and AssignMetadata of the input, each
// converted as Gatekeeper's mutator controller converts them.
func newMutationSystem(objects []*unstructured.Unstructured) (*mutation.System, error) {
	system := mutation.NewSystem(mutation.SystemOpts{})
	for _, o := range objects {
		if o.GroupVersionKind().Group != "mutations.gatekeeper.sh" {
			continue
		}
		var m mutationtypes.Mutator
		var err error
		switch o.GetKind() {
		case "Assign":
			a := &mutationsunversioned.Assign{}
			if err = runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, a); err == nil {
				m, err = assign.MutatorForAssign(a)
			}
		case "AssignMetadata":
			a := &mutationsunversioned.AssignMetadata{}
			if err = runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, a); err == nil {
				m, err = assignmeta.MutatorForAssignMetadata(a)
			}
		default:
			return nil, fmt.Errorf("%s %s: only Assign and AssignMetadata are wired here", o.GetKind(), o.GetName())
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if err := system.Upsert(m); err != nil {
			return nil, fmt.Errorf("adding %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return system, nil
}

func admit(ctx context.Context, client *constraintclient.Client, system *mutation.System, r request) result {
	res := result{Name: r.Name, Object: r.Object, Denials: []denial{}}
	var ns *corev1.Namespace
	if r.Namespace != nil {
		ns = &corev1.Namespace{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(r.Namespace, ns); err != nil {
			res.Error = fmt.Sprintf("namespace: %v", err)
			return res
		}
	}
	nsName := ""
	if ns != nil {
		nsName = ns.Name
	}
	if r.Mutate && r.Object != nil && (r.Operation == admissionv1.Create || r.Operation == admissionv1.Update) {
		// pkg/webhook/mutation.go mutateRequest: the object takes the
		// request's namespace while mutating, and gets its own back after.
		obj := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(r.Object)}
		oldNS, hadNS := obj.GetNamespace(), obj.GetNamespace() != ""
		obj.SetNamespace(nsName)
		mutable := &mutationtypes.Mutable{Object: obj, Namespace: ns, Username: r.Username, Source: mutationtypes.SourceTypeOriginal, Operation: r.Operation}
		mutated, err := system.Mutate(ctx, mutable)
		if err != nil {
			res.Error = fmt.Sprintf("mutation: %v", err)
			return res
		}
		if hadNS {
			obj.SetNamespace(oldNS)
		} else {
			unstructured.RemoveNestedField(obj.Object, "metadata", "namespace")
		}
		res.Mutated = mutated
		res.Object = obj.Object
	}
	// pkg/webhook/policy.go: the review of the request with its namespace.
	raw := func(o map[string]interface{}) runtime.RawExtension {
		if o == nil {
			return runtime.RawExtension{}
		}
		b, _ := json.Marshal(o)
		return runtime.RawExtension{Raw: b}
	}
	subject := res.Object
	if subject == nil {
		subject = r.OldObject
	}
	gvk := (&unstructured.Unstructured{Object: subject}).GroupVersionKind()
	// The resource is named for the kinds the library's mutators and
	// constraints match (Pod: pods).
	ar := &admissionv1.AdmissionRequest{
		UID:       "cdk8s-tenancy-test",
		Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Resource:  metav1.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: strings.ToLower(gvk.Kind) + "s"},
		Name:      (&unstructured.Unstructured{Object: subject}).GetName(),
		Namespace: nsName,
		Operation: r.Operation,
		UserInfo:  authenticationv1.UserInfo{Username: r.Username, Groups: r.Groups},
		Object:    raw(res.Object),
		OldObject: raw(r.OldObject),
	}
	review := &target.AugmentedReview{AdmissionRequest: ar, Namespace: ns, Source: mutationtypes.SourceTypeOriginal, IsAdmission: true}
	opts := []reviews.ReviewOpt{reviews.EnforcementPoint(util.WebhookEnforcementPoint)}
	if ns != nil {
		nsMap, err := util.NamespaceToMap(ns)
		if err != nil {
			res.Error = fmt.Sprintf("namespace: %v", err)
			return res
		}
		opts = append(opts, reviews.Namespace(nsMap))
	}
	responses, err := client.Review(ctx, review, opts...)
	if err != nil {
		res.Error = fmt.Sprintf("review: %v", err)
		return res
	}
	for _, x := range responses.Results() {
		// getValidationMessages: only "deny" denies ("warn" and "dryrun" admit).
		res.Denials = append(res.Denials, denial{
			Constraint:        x.Constraint.GetKind() + "/" + x.Constraint.GetName(),
			Message:           x.Msg,
			EnforcementAction: x.EnforcementAction,
		})
	}
	return res
}
