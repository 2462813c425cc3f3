// The credential report: generate it (GenerateCredentialReport), see it as a table and download it
// as CSV (GetCredentialReport), as the AWS console offers it.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { buttonForm, html, table } from '../html.ts';
import { redirect } from '../web.ts';
import { ADMIN, type Messages, action, adminPage, noticeOf, page, problemBox, statusOf } from './common.ts';

const BASE = `${ADMIN}/credential-report`;

const NOTICES: Readonly<Record<string, string>> = {
  generated: 'The credential report was generated.',
};

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function contentOf(output: Record<string, unknown>): string {
  const content = output.Content;
  if (typeof content === 'string') return content;
  if (content instanceof Uint8Array) return Buffer.from(content).toString('utf8');
  return '';
}

export function registerCredentialReport(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, BASE, async (signed, query, _params, reply) =>
    reportPage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }),
  );

  action(server, ctx, `${BASE}/generate`, async (signed, _form, _params, reply) => {
    const result = await callIam(signed.caller, ctx, 'GenerateCredentialReport');
    if (!result.ok) return reportPage(ctx, signed, reply, statusOf(result.error), { error: result.error });
    return redirect(reply, `${BASE}?notice=generated`);
  });

  page(server, ctx, `${BASE}/download`, async (signed, _query, _params, reply) => {
    const result = await callIam(signed.caller, ctx, 'GetCredentialReport');
    if (!result.ok) return reportPage(ctx, signed, reply, statusOf(result.error), { error: result.error });
    const generated = String(result.output.GeneratedTime ?? '').replace(/[^\dTZ]/g, '');
    return reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="status_reports_${generated || 'report'}.csv"`)
      .send(contentOf(result.output));
  });
}

async function reportPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  messages: Messages,
): Promise<FastifyReply> {
  const csrf = signed.record.csrf;
  const report = await callIam(signed.caller, ctx, 'GetCredentialReport');
  let content: ReturnType<typeof html>;
  if (report.ok) {
    const [header = [], ...rows] = parseCsv(contentOf(report.output));
    content = html`<p>Generated ${String(report.output.GeneratedTime ?? '')}.</p>
      <p><a href="${BASE}/download" download>Download credential report (CSV)</a></p>
      <div class="scroll" tabindex="0" role="region" aria-label="Credential report table">
        ${table('Credential report', header, rows)}
      </div>`;
  } else if (report.error.code === 'ReportNotPresent' || report.error.code === 'ReportExpired') {
    content = html`<p>
      ${
        report.error.code === 'ReportNotPresent'
          ? 'No credential report has been generated yet.'
          : 'The last credential report is more than four hours old.'
      }
      Generate one to see it here.
    </p>`;
  } else content = problemBox(report.error);
  const body = html`<p>
      The credential report lists every user of the account and the status of their credentials: passwords,
      access keys and MFA devices.
    </p>
    ${buttonForm(`${BASE}/generate`, csrf, 'Generate credential report')}
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">Report</h2>
      ${content}
    </section>`;
  return adminPage(reply, signed, status, { title: 'Credential report', section: BASE, body, messages });
}
