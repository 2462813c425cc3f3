// A browser in miniature for the TLS and proxy tests: node's own http(s) clients (so a test can
// choose the local address and the CA), a cookie jar, and the console's sign-in form.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ROOT } from '../harness.ts';
import { csrfOf } from '../console/client.ts';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** A browser in miniature: a cookie jar, from a chosen local address, over https or http. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly baseUrl: string,
    readonly localAddress = '127.0.0.1',
    /** The CA to trust over https. */
    readonly ca?: Buffer,
  ) {}

  send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const url = new URL(path, this.baseUrl);
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          localAddress: this.localAddress,
          ...(secure && this.ca ? { ca: this.ca } : {}),
          headers: {
            ...(cookie ? { cookie } : {}),
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            for (const line of res.headers['set-cookie'] ?? []) {
              const pair = line.split(';')[0]!;
              const eq = pair.indexOf('=');
              if (/Max-Age=0/i.test(line)) this.cookies.delete(pair.slice(0, eq));
              else this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
            }
            resolve({ status: res.statusCode!, headers: res.headers, text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The sign-in page, then the sign-in form posted with its CSRF token and the given Origin. */
  async signIn(
    user: { name: string; password: string },
    origin: string,
    extra: Record<string, string> = {},
  ): Promise<[Answer, Answer]> {
    const page = await this.send('GET', '/console', undefined, extra);
    const form = new URLSearchParams({
      csrf: csrfOf(page.text) ?? '',
      kind: 'iam',
      account: ROOT.accountId,
      username: user.name,
      password: user.password,
    });
    const posted = await this.send('POST', '/console/signin', form.toString(), { origin, ...extra });
    return [page, posted];
  }
}
