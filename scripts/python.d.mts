// Types for python.mjs, plain JavaScript like the installers that use it.
export function findPython(): string | undefined;
export function hasPip(python: string): boolean;
