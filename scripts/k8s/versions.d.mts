export declare const versions: {
  envoyGateway: string; envoy: string; aiGateway: string; gatewayApi: string;
  kubectlValidate: string; kustomize: string; kubernetes: string;
};
export declare const modules: Record<'envoyGateway' | 'aiGateway' | 'gatewayApi' | 'kubectlValidate' | 'egctl' | 'kustomize', string>;
