#!/usr/bin/env node
// portcullis <command>: serve (the server). More commands (audit, lint, explain) come later.
import { loadConfig } from '../config.ts';
import { startApp } from '../app.ts';
import { OPERATIONS } from './operations.ts';

const USAGE = `usage: portcullis serve [--port N] [--host H] [--data-dir DIR] [--allow-reset] ...
       portcullis backup <file> | restore <file> | rotate-master-key   (each with --help)
Every option can also be given as an environment variable: --data-dir is PORTCULLIS_DATA_DIR.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && Object.hasOwn(OPERATIONS, command)) {
    const operation = OPERATIONS[command]!;
    if (rest.includes('--help')) return (console.log(operation.usage), 0);
    return operation.run(rest);
  }
  if (command !== 'serve') {
    console.error(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  const config = loadConfig(rest, process.env);
  const app = await startApp(config);
  const b = app.bootstrap;
  const lines = [
    `Portcullis is listening on ${app.url} (IAM and STS over AWS's Query protocol)`,
    `Account: ${app.accountId}    Data: ${config.dataDir}`,
    `Web console: ${app.url}/console (the root user signs in at ${app.url}/console/root-signin)`,
  ];
  if (b.created && b.rootAccessKeyId) {
    lines.push(
      '',
      'A new account was created. Its root credentials are shown once here and kept in',
      `${config.dataDir}/root-credentials.json (readable by you only):`,
      `  root e-mail:    ${b.rootEmail}`,
      `  root password:  ${config.bootstrap.rootPassword ? '(as configured)' : b.rootPassword}`,
      `  access key id:  ${b.rootAccessKeyId}`,
      `  secret key:     ${config.bootstrap.rootSecretAccessKey ? '(as configured)' : b.rootSecretAccessKey}`,
    );
  } else {
    lines.push('', `Root credentials are in ${config.dataDir}/root-credentials.json.`);
  }
  lines.push(
    '',
    'Use it with the AWS CLI:',
    '  export AWS_ACCESS_KEY_ID=<access key id> AWS_SECRET_ACCESS_KEY=<secret key> AWS_DEFAULT_REGION=us-east-1',
    `  aws --endpoint-url ${app.url} iam get-user`,
    `  aws --endpoint-url ${app.url} sts get-caller-identity`,
  );
  console.log(lines.join('\n'));
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
