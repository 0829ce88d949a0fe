import { createServer, type Server } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { App } from './app.js';

/** Serves the app on host:port; resolves with the server once it listens. */
export const listen = (app: App, host: string, port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const adapter = createServerAdapter((req: Request) => app.fetch(req));
    const server = createServer((req, res) => {
      void adapter(req, res);
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve(server);
    });
  });
