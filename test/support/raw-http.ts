import { connect } from 'node:net';

/**
 * Sends a POST over a raw socket: the headers and the first `sentFirst` bytes of the body, then
 * after `pauseMs` either the rest (resolving with the status line and body of the answer) or
 * nothing, closing the connection mid-body (`abort`).
 */
export const slowPost = (
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  { sentFirst, pauseMs, abort = false }: { sentFirst: number; pauseMs: number; abort?: boolean },
): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    const bytes = Buffer.from(body);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      resolve({ status, body: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
    });
    const head = Object.entries({ ...headers, 'content-length': String(bytes.length) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: close\r\n${head}\r\n`);
    socket.write(bytes.subarray(0, sentFirst));
    setTimeout(() => {
      if (abort) socket.destroy();
      else socket.write(bytes.subarray(sentFirst));
    }, pauseMs);
  });
