import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { App } from './app.js';
import { rememberPeer } from './http/client-address.js';

/** Serves the app on host:port; resolves with the server once it listens. */
export const listen = (app: App, host: string, port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    // Called from Node's server, the adapter passes the IncomingMessage as `req` of its context.
    const adapter = createServerAdapter<{ req?: IncomingMessage }>((req, ctx) => {
      rememberPeer(req, ctx.req?.socket.remoteAddress);
      return app.fetch(req);
    });
    const server = createServer((req, res) => {
      void adapter(req, res);
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve(server);
    });
  });
