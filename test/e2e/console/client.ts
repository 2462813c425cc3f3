// A tiny browser for the console tests: plain fetch with a cookie jar, no redirects followed
// automatically (tests look at them), and the CSRF token read from the last page's forms.
export interface Page {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly location: string | undefined;
}

export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  last: Page | undefined;

  constructor(
    readonly baseUrl: string,
    readonly options: { userAgent?: string } = {},
  ) {}

  async get(path: string): Promise<Page> {
    return this.#send('GET', path);
  }

  /** POSTs a form; `csrf` defaults to the token on the last page. */
  async post(
    path: string,
    fields: Record<string, string>,
    extraHeaders: Record<string, string> = {},
  ): Promise<Page> {
    const body = new URLSearchParams({ csrf: this.csrf() ?? '', ...fields });
    return this.#send('POST', path, body.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...extraHeaders,
    });
  }

  /** Follows 303s from a response (GETs), as a browser would. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 5 && current.location; i++) current = await this.get(current.location);
    return current;
  }

  csrf(): string | undefined {
    return this.last ? csrfOf(this.last.text) : undefined;
  }

  async #send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      body,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(this.options.userAgent ? { 'user-agent': this.options.userAgent } : {}),
        ...headers,
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const location = response.headers.get('location') ?? undefined;
    const page: Page = { status: response.status, headers: response.headers, text, location };
    if (response.headers.get('content-type')?.startsWith('text/html')) this.last = page;
    return page;
  }
}

export function csrfOf(html: string): string | undefined {
  return /name="csrf" value="([^"]*)"/.exec(html)?.[1];
}

/** Signs an IAM user in (no MFA) and returns the page after the redirects. */
export async function signIn(
  client: ConsoleClient,
  account: string,
  userName: string,
  password: string,
): Promise<Page> {
  await client.get('/console');
  const posted = await client.post('/console/signin', { kind: 'iam', account, username: userName, password });
  return posted.location ? client.follow(posted) : posted;
}

export async function signInRoot(client: ConsoleClient, email: string, password: string): Promise<Page> {
  await client.get('/console/root-signin');
  const posted = await client.post('/console/signin', { kind: 'root', email, password });
  return posted.location ? client.follow(posted) : posted;
}

/** The page's text without tags, whitespace collapsed, for assertions on what a reader sees. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The Set-Cookie lines of a response, by cookie name. */
export function setCookies(page: Page): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of page.headers.getSetCookie()) found.set(line.slice(0, line.indexOf('=')), line);
  return found;
}
