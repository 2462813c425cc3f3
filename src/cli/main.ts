#!/usr/bin/env node
// portcullis <command>: serve (the server), the operator's commands, audit. `portcullis --help` lists the commands.
import { loadConfig } from '../config.ts';
import { startApp } from '../app.ts';
import { OPERATIONS } from './operations.ts';
import { commandHelp, generalHelp, wantsHelp } from './help.ts';
import { runAudit } from './audit.ts';
import { runLint } from './lint.ts';
import { runExplain } from './explain.ts';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(generalHelp());
    return 0;
  }
  if (Object.hasOwn(OPERATIONS, command)) {
    const operation = OPERATIONS[command]!;
    if (wantsHelp(rest)) return (console.log(operation.usage), 0);
    return operation.run(rest);
  }
  if (wantsHelp(rest) && commandHelp(command)) {
    console.log(commandHelp(command));
    return 0;
  }
  if (command === 'help') {
    const help = rest[0] === undefined ? generalHelp() : commandHelp(rest[0]);
    console[help ? 'log' : 'error'](help ?? `Unknown command: ${rest[0]}\n\n${generalHelp()}`);
    return help ? 0 : 2;
  }
  if (command === 'audit') return runAudit(rest);
  if (command === 'lint') return runLint(rest);
  if (command === 'explain') return runExplain(rest);
  if (command !== 'serve') {
    console.error(`Unknown command: ${command}\n\n${generalHelp()}`);
    return 2;
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
