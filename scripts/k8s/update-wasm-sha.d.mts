export declare const repoRoot: string;
export declare const defaultWasm: string;
export declare function sha256File(file: string): string;
export declare function buildWasm(outFile?: string): string;
export declare function findPins(manifestsDir?: string): { file: string; sha256: string }[];
export declare function writePins(sha: string, manifestsDir?: string): string[];
