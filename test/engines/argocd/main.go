// Command argocd-project answers, with Argo CD's own code, what an AppProject
// lets an Application do: the checks Argo CD's API server and application
// controller make before and during a sync, each made here by the function
// Argo CD calls (github.com/argoproj/argo-cd/v3, pinned in go.mod).
//
// It reads one JSON request on stdin and writes one JSON answer on stdout:
//
//	{"controllerNamespace": "argocd",
//	 "clusters": [{"server": "https://kubernetes.default.svc", "name": "in-cluster"}],
//	 "projects": [<AppProject>...],
//	 "cases": [{"id": "...", "application": <Application>, "resources": [{"group", "kind", "name", "namespace", "namespaced"}]}]}
//
// Projects are decoded strictly: a field Argo CD's AppProject type does not
// have is an error, not silently dropped, so a misspelt restriction cannot
// pass for a working one.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/settings"
)

type resource struct {
	Group      string `json:"group"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	Namespaced bool   `json:"namespaced"`
}

type appCase struct {
	ID          string               `json:"id"`
	Application v1alpha1.Application `json:"application"`
	Resources   []resource           `json:"resources"`
}

type request struct {
	ControllerNamespace string              `json:"controllerNamespace"`
	Clusters            []v1alpha1.Cluster  `json:"clusters"`
	Projects            []json.RawMessage   `json:"projects"`
	Cases               []appCase           `json:"cases"`
}

// verdict: an empty string is "permitted"; anything else is Argo CD's refusal.
type verdict struct {
	ID string `json:"id"`
	// ValidateProject's error: what Argo CD's API server refuses in a project.
	ProjectInvalid string `json:"projectInvalid"`
	// IsAppNamespacePermitted: may an Application in its namespace use the project.
	AppNamespace string `json:"appNamespace"`
	// IsSourcePermitted, per source of the Application.
	Sources []string `json:"sources"`
	// IsDestinationPermitted, on the cluster Argo CD resolves the destination to.
	Destination string `json:"destination"`
	// DeriveServiceAccountToImpersonate: whom the sync runs as with impersonation
	// on ("" when no destinationServiceAccount matches).
	ServiceAccount      string `json:"serviceAccount"`
	ServiceAccountError string `json:"serviceAccountError"`
	// The application controller's check of each resource it syncs.
	Resources []string `json:"resources"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "argocd-project:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	var req request
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	projects := map[string]*v1alpha1.AppProject{}
	for i, raw := range req.Projects {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		p := &v1alpha1.AppProject{}
		if err := dec.Decode(p); err != nil {
			return fmt.Errorf("projects[%d] is not an Argo CD AppProject: %w", i, err)
		}
		projects[p.Name] = p
	}
	verdicts := make([]verdict, 0, len(req.Cases))
	for _, c := range req.Cases {
		v, err := judge(req, projects, c)
		if err != nil {
			return fmt.Errorf("case %q: %w", c.ID, err)
		}
		verdicts = append(verdicts, v)
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", " ")
	return enc.Encode(verdicts)
}

func judge(req request, projects map[string]*v1alpha1.AppProject, c appCase) (verdict, error) {
	app := &c.Application
	proj, ok := projects[app.Spec.Project]
	if !ok {
		return verdict{}, fmt.Errorf("no project %q among the projects given", app.Spec.Project)
	}
	v := verdict{ID: c.ID, Sources: []string{}, Resources: []string{}}
	if err := proj.DeepCopy().ValidateProject(); err != nil {
		v.ProjectInvalid = err.Error()
	}
	if !proj.IsAppNamespacePermitted(app, req.ControllerNamespace) {
		v.AppNamespace = fmt.Sprintf("application in namespace %q may not use project %q", app.Namespace, proj.Name)
	}
	// As util/argo.ValidatePermissions: every source of the Application.
	sources := []v1alpha1.ApplicationSource{app.Spec.GetSource()}
	if app.Spec.HasMultipleSources() {
		sources = app.Spec.Sources
	}
	for _, s := range sources {
		if proj.IsSourcePermitted(s) {
			v.Sources = append(v.Sources, "")
		} else {
			v.Sources = append(v.Sources, fmt.Sprintf("application repo %s is not permitted in project '%s'", s.RepoURL, proj.Name))
		}
	}
	projectClusters := func(string) ([]*v1alpha1.Cluster, error) { return nil, nil }
	cluster, err := destinationCluster(req.Clusters, app.Spec.Destination)
	if err != nil {
		v.Destination = err.Error()
		// Argo CD stops here: no sync, no resource is applied.
		return v, nil
	}
	permitted, err := proj.IsDestinationPermitted(cluster, app.Spec.Destination.Namespace, projectClusters)
	if err != nil {
		return v, err
	}
	if !permitted {
		v.Destination = fmt.Sprintf("application destination server '%s' and namespace '%s' do not match any of the allowed destinations in project '%s'",
			cluster.Server, app.Spec.Destination.Namespace, proj.Name)
	}
	sa, err := settings.DeriveServiceAccountToImpersonate(proj, app, cluster)
	v.ServiceAccount = sa
	if err != nil {
		v.ServiceAccountError = err.Error()
	}
	for _, r := range c.Resources {
		v.Resources = append(v.Resources, syncPermission(proj, cluster, projectClusters, app.Spec.Destination.Namespace, r))
	}
	return v, nil
}

// destinationCluster resolves an Application's destination as
// util/argo.GetDestinationCluster does, against the clusters Argo CD knows.
func destinationCluster(clusters []v1alpha1.Cluster, d v1alpha1.ApplicationDestination) (*v1alpha1.Cluster, error) {
	if d.Name != "" && d.Server != "" {
		return nil, fmt.Errorf("application destination can't have both name and server defined: %s %s", d.Name, d.Server)
	}
	server := strings.TrimRight(d.Server, "/")
	if server == "" && d.Name != "" {
		var urls []string
		for _, c := range clusters {
			if c.Name == d.Name {
				urls = append(urls, c.Server)
			}
		}
		switch len(urls) {
		case 0:
			return nil, fmt.Errorf("there are no clusters with this name: %s", d.Name)
		case 1:
			server = urls[0]
		default:
			return nil, fmt.Errorf("there are %d clusters with the same name: [%s]", len(urls), strings.Join(urls, " "))
		}
	}
	if server == "" {
		return nil, errors.New("Destination server missing from app spec")
	}
	for i := range clusters {
		if clusters[i].Server == server {
			return &clusters[i], nil
		}
	}
	return nil, fmt.Errorf("error getting cluster by server %q: cluster not found", server)
}

// syncPermission is what the application controller asks of every resource
// it syncs: the namespace filled in as controller.NormalizeTargetObjects
// does (a namespaced object without one goes to the Application's
// destination namespace, a cluster-scoped one loses it), then the checks of
// controller.validateSyncPermissions (the controller's permission validator),
// in its order and with its messages.
func syncPermission(proj *v1alpha1.AppProject, cluster *v1alpha1.Cluster, projectClusters func(string) ([]*v1alpha1.Cluster, error), appNamespace string, r resource) string {
	namespace := r.Namespace
	if !r.Namespaced {
		namespace = ""
	} else if namespace == "" {
		namespace = appNamespace
	}
	gk := schema.GroupKind{Group: r.Group, Kind: r.Kind}
	if !proj.IsGroupKindNamePermitted(gk, r.Name, r.Namespaced) {
		return fmt.Sprintf("resource %s:%s is not permitted in project %s", r.Group, r.Kind, proj.Name)
	}
	if r.Namespaced {
		permitted, err := proj.IsDestinationPermitted(cluster, namespace, projectClusters)
		if err != nil {
			return err.Error()
		}
		if !permitted {
			return fmt.Sprintf("namespace %v is not permitted in project '%s'", namespace, proj.Name)
		}
	}
	return ""
}
