// Exact versions the Kubernetes manifests are written and tested against (one place; the docs and
// the tests read them from here). Envoy Gateway v1.6 ships Envoy 1.36, the Envoy the project's
// local stack uses; AI Gateway v0.4 is the release built against Envoy Gateway v1.6 and Gateway API
// v1.4; Gateway API v1.4.1 is what Envoy Gateway v1.6.3 itself depends on.
export const versions = {
  envoyGateway: 'v1.6.3',
  envoy: '1.36',
  aiGateway: 'v0.4.0',
  gatewayApi: 'v1.4.1',
  kubectlValidate: 'v0.0.4',
  kustomize: 'v5.5.0',
  // Kubernetes version whose built-in schemas kubectl-validate uses for core resources (the newest
  // that kubectl-validate v0.0.4 carries offline; Deployment, HPA v2, PDB v1 and NetworkPolicy v1
  // are unchanged since).
  kubernetes: '1.30',
  // The API server (and the etcd it stores into) that the Kubernetes config store is tested against.
  kubeApiserver: 'v1.34.4',
  etcd: 'v3.6.6',
  // ServiceMonitor and PodMonitor of manifests/monitoring are validated against these CRDs.
  prometheusOperator: 'v0.85.0',
  // The Prometheus that evaluates the Grafana dashboard's queries in a test (Go module v0.307 is
  // Prometheus 3.7).
  prometheus: 'v0.307.3',
};

export const modules = {
  envoyGateway: 'github.com/envoyproxy/gateway',
  aiGateway: 'github.com/envoyproxy/ai-gateway',
  gatewayApi: 'sigs.k8s.io/gateway-api',
  kubectlValidate: 'sigs.k8s.io/kubectl-validate',
  egctl: 'github.com/envoyproxy/gateway/cmd/egctl',
  kustomize: 'sigs.k8s.io/kustomize/kustomize/v5',
  kubernetes: 'k8s.io/kubernetes',
  kubeApiserver: 'k8s.io/kubernetes/cmd/kube-apiserver',
  etcdServer: 'go.etcd.io/etcd/server/v3',
  prometheusOperator: 'github.com/prometheus-operator/prometheus-operator',
  prometheus: 'github.com/prometheus/prometheus',
  prometheusCmd: 'github.com/prometheus/prometheus/cmd/prometheus',
};
