export declare const versions: {
  envoyGateway: string; envoy: string; aiGateway: string; gatewayApi: string;
  kubectlValidate: string; kustomize: string; kubernetes: string; kubeApiserver: string; etcd: string; prometheusOperator: string; prometheus: string;
};
export declare const modules: Record<'envoyGateway' | 'aiGateway' | 'gatewayApi' | 'kubectlValidate' | 'egctl' | 'kustomize' | 'kubernetes' | 'kubeApiserver' | 'etcdServer' | 'prometheusOperator' | 'prometheus' | 'prometheusCmd', string>;
