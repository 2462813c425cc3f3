// Who is calling: the principal behind a verified signature (or a console session), with the
// request-level context keys the wire knows (source IP, transport, time, region).
import type { ContextValue } from '../policy/index.ts';
import type { SessionRecord } from './sts/sessions.ts';

export interface Caller {
  readonly account: string;
  /**
   * Who acts: the root user or an IAM user (with long-term keys, a console session, or a
   * GetSessionToken session), a role session (AssumeRole), or a federated user (GetFederationToken).
   */
  readonly type: 'root' | 'user' | 'assumed-role' | 'federated-user';
  /** The principal's ARN: the user's, the root's, the assumed-role session's or the federated user's. */
  readonly arn: string;
  /** The IAM user's name (for a user, and for the user behind a session token or federation token). */
  readonly userName?: string;
  /** AIDA… for a user, the account id for root, AROA…:session for a role session, account:name for a federated user. */
  readonly userId: string;
  /** Present when the request was signed with temporary credentials. */
  readonly session?: SessionRecord;
  /** The access key that signed the request, if any. */
  readonly accessKeyId?: string;
  /**
   * Context keys from the wire: aws:SourceIp, aws:SecureTransport, aws:CurrentTime, aws:EpochTime,
   * aws:RequestedRegion, aws:UserAgent. Principal keys are added when authorizing.
   */
  readonly requestContext: Readonly<Record<string, ContextValue>>;
}

/** The context keys AWS derives from the time of a request. */
export function timeContext(now: Date): Record<string, ContextValue> {
  const epoch = Math.floor(now.getTime() / 1000);
  // Requests of the same second share the text (formatting a date is a visible cost per request).
  if (lastTime?.epoch !== epoch)
    lastTime = { epoch, text: new Date(epoch * 1000).toISOString().replace('.000Z', 'Z') };
  return { 'aws:CurrentTime': lastTime.text, 'aws:EpochTime': epoch };
}

let lastTime: { epoch: number; text: string } | undefined;
