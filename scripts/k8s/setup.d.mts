/** The git-ignored directory holding the built tools (bin/) and CRDs (crds/). */
export declare const cacheDir: string;
export declare function setup(): unknown;
