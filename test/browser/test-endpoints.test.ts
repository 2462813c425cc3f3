// A web page on another site cannot use the test endpoints: a real Chromium submits a form (and
// a script's fetch) to /_portcullis/reset and /_portcullis/clock, and the account is untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { startServer, type Server } from '../e2e/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';

let server: Server;
let attacker: HttpServer;
let attackerUrl: string;
let browser: Browser;

before(async () => {
  server = await startServer({ env: { PORTCULLIS_ALLOW_RESET: '1' } });
  await server.iam().send(new CreateUserCommand({ UserName: 'survivor' }));
  attacker = createServer((request, response) => {
    const path = request.url === '/clock' ? '/_portcullis/clock' : '/_portcullis/reset';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<form id="f" method="post" action="${server.url}${path}" enctype="text/plain">
  <input name='{"advanceSeconds": 86400, "x": "' value='"}'>
</form>
<script>document.getElementById('f').submit();</script>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  // Another origin: localhost rather than 127.0.0.1, and another port.
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
  await server?.stop();
});

for (const which of ['reset', 'clock']) {
  test(`a cross-site form POST to /_portcullis/${which} is refused`, async () => {
    const page = await browser.context.newPage();
    const refused = page.waitForResponse((r) => r.url().endsWith(`/_portcullis/${which}`));
    await page.goto(`${attackerUrl}/${which}`);
    const response = await refused;
    assert.equal(response.status(), 403);
    assert.equal(((await response.json()) as { code: string }).code, 'AccessDenied');
    await page.close();
    const user = await server.iam().send(new GetUserCommand({ UserName: 'survivor' }));
    assert.equal(user.User?.UserName, 'survivor');
  });
}

test('the clock did not move', async () => {
  const response = await server.testEndpoint('/_portcullis/clock', { advanceSeconds: 0 });
  assert.equal(((await response.json()) as { offsetSeconds: number }).offsetSeconds, 0);
});
