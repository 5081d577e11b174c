/** Loopback helpers for the lab servers. */
import { connect, createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the server that takes it must bind it soon). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Does something accept TCP connections on 127.0.0.1:port? */
export const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
