// Who is calling: the principal behind a verified signature (or a console session), with the
// request-level context keys the wire knows (source IP, transport, time, region).
import type { ContextValue } from '../policy/index.ts';

export interface Caller {
  readonly account: string;
  readonly type: 'root' | 'user';
  readonly arn: string;
  /** The IAM user's name (absent for root). */
  readonly userName?: string;
  /** AIDA… for a user, the account id for root. */
  readonly userId: string;
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
  return {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': Math.floor(now.getTime() / 1000),
  };
}
