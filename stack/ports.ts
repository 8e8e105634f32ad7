// Checking a fixed port before anything starts, so a taken port is reported by the flag that sets it
// instead of surfacing as an Envoy bind error deep in its log.

import { createServer } from 'node:net';

export class PortInUseError extends Error {
  constructor(readonly port: number, flag: string) {
    super(`port ${port} on 127.0.0.1 is already in use; choose another with ${flag} <port>`);
    this.name = 'PortInUseError';
  }
}

/** Throws PortInUseError naming `flag` when 127.0.0.1:port cannot be bound. Port 0 always passes. */
export async function assertPortFree(port: number, flag: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(port, flag));
      else reject(new Error(`cannot use port ${port} (${flag}): ${err.message}`));
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}
