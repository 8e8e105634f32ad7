import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { holdPort, PortInUseError } from '../../stack/ports.ts';

/** Whether 127.0.0.1:port can be listened on right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function takenPort(): Promise<{ port: number; close: () => Promise<unknown> }> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('holdPort', () => {
  it('keeps the port bound until released, and releasing twice is harmless', async () => {
    const { port, close } = await takenPort();
    await close();
    const hold = await holdPort(port, '--port');
    assert.equal(await canListen(port), false, 'a server started while the port is held cannot have it');
    await hold.release();
    await hold.release();
    assert.equal(await canListen(port), true);
  });

  it('names the port and its flag when the port is taken', async () => {
    const taken = await takenPort();
    try {
      await assert.rejects(holdPort(taken.port, '--admin-port'), (err: unknown) => {
        assert.ok(err instanceof PortInUseError);
        assert.equal(err.message, `port ${taken.port} on 127.0.0.1 is already in use; choose another with --admin-port <port>`);
        return true;
      });
    } finally {
      await taken.close();
    }
  });

  it('holds nothing for port 0', async () => {
    const hold = await holdPort(0, '--port');
    await hold.release();
  });
});
