// Fixed ports are checked before anything starts, so a taken port is reported by the flag that sets
// it instead of surfacing as an Envoy bind error deep in its log; and they are held until Envoy is
// about to bind them, because the stack's own servers take ports from the OS (port 0), which could
// otherwise hand one of them the very port that was just checked.

import { createServer, type Server } from 'node:net';

export class PortInUseError extends Error {
  constructor(readonly port: number, flag: string) {
    super(`port ${port} on 127.0.0.1 is already in use; choose another with ${flag} <port>`);
    this.name = 'PortInUseError';
  }
}

export interface PortHold {
  /** Frees the port; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * Binds 127.0.0.1:port and keeps it bound until release(). Throws PortInUseError naming `flag` when
 * the port is taken. Port 0 holds nothing.
 */
export async function holdPort(port: number, flag: string): Promise<PortHold> {
  if (port === 0) return { release: async () => {} };
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(port, flag));
      else reject(new Error(`cannot use port ${port} (${flag}): ${err.message}`));
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  let released: Promise<void> | undefined;
  return { release: () => (released ??= closed(server)) };
}

function closed(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
