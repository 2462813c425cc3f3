// The API benchmark's yardstick (bench/api.bench.ts): a bare node:http server that reads each
// request's body and answers every one with the same response (BENCH_BARE_BODY, a GetUser answer
// the real server gave), with no signature check, no store and no policy. What the real server
// reaches against what this reaches, driven by the same load generator, is the API path's cost.
import http from 'node:http';

const body = Buffer.from(process.env.BENCH_BARE_BODY ?? '', 'utf8');
const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'text/xml',
      'content-length': body.length,
      'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
