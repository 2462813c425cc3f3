// The second client of simulator.bench.ts, in a process of its own so that the bench process's work
// (building the simulation request, parsing its answer) does not delay its calls. It calls
// GetUser in a loop on each server named on its command line at once, says "ready" after a
// warm-up, and when told "stop" on stdin prints, per server, each call's latency in milliseconds.
import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';

const [accessKeyId, secretAccessKey, userName, ...urls] = process.argv.slice(2) as [string, string, string];
const clients = urls.map(
  (url) =>
    new IAMClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    }),
);

let stopping = false;
process.stdin.on('data', () => (stopping = true));

async function call(iam: IAMClient): Promise<number> {
  const start = performance.now();
  await iam.send(new GetUserCommand({ UserName: userName }));
  return performance.now() - start;
}

// Warm-up first (connections, signing keys, the server's memories of the caller), on every server.
await Promise.all(
  clients.map(async (iam) => {
    for (let i = 0; i < 20; i++) await call(iam);
  }),
);
process.stdout.write('ready\n');
const latencies = await Promise.all(
  clients.map(async (iam) => {
    const measured: number[] = [];
    while (!stopping) measured.push(await call(iam));
    return measured;
  }),
);
process.stdout.write(`${JSON.stringify(latencies)}\n`);
for (const iam of clients) iam.destroy();
process.stdin.destroy();
