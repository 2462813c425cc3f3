// The thumbprint IAM records when CreateOpenIDConnectProvider is given none: "IAM will retrieve and
// use the top intermediate certificate authority (CA) thumbprint of the OpenID Connect identity
// provider server certificate" (IAM API reference, CreateOpenIDConnectProvider, ThumbprintList) —
// the last certificate the server presents ("Obtain the thumbprint for an OpenID Connect identity
// provider", IAM User Guide). Only the TLS handshake happens: nothing is sent, nothing is trusted
// here (the thumbprint is what later verifications trust), and the connection is bounded in time.
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import { IamError } from '../errors.ts';

/** The handshake's whole budget: an unreachable issuer fails the request promptly. */
export const THUMBPRINT_TIMEOUT_MS = 5000;

export function communicationError(): IamError {
  return new IamError(
    'OpenIdIdpCommunicationError',
    'Could not retrieve the certificate thumbprint of the OpenID Connect provider.',
  );
}

/** The SHA-1 fingerprint (40 lower-case hex digits) of the last certificate the host presents. */
export function fetchTopThumbprint(url: URL, timeoutMs = THUMBPRINT_TIMEOUT_MS): Promise<string> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 443 : Number(url.port);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: IamError | undefined, thumbprint?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(thumbprint!);
    };
    const socket = connect({
      host,
      port,
      // An IP address is not a valid SNI name.
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      // The chain is recorded, not judged: a private CA is exactly what thumbprints are for.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish(communicationError()), timeoutMs);
    socket.once('secureConnect', () => {
      const last = lastPresented(socket.getPeerCertificate(true));
      finish(last ? undefined : communicationError(), last?.fingerprint.replace(/:/g, '').toLowerCase());
    });
    socket.once('error', () => finish(communicationError()));
  });
}

function lastPresented(leaf: DetailedPeerCertificate | PeerCertificate): PeerCertificate | undefined {
  if (!leaf || !('raw' in leaf) || !leaf.raw) return undefined;
  const chain: DetailedPeerCertificate[] = [leaf as DetailedPeerCertificate];
  // Node links a self-signed certificate to itself; a chain is at most a handful long.
  for (let i = 0; i < 10; i++) {
    const current = chain[chain.length - 1]!;
    const next = current.issuerCertificate;
    if (!next || next === current || next.raw.equals(current.raw)) break;
    chain.push(next);
  }
  // A root (self-signed) closing the chain is the trust anchor, not the top intermediate.
  const last = chain[chain.length - 1]!;
  return chain.length > 1 && selfSigned(last) ? chain[chain.length - 2] : last;
}

function selfSigned(certificate: PeerCertificate): boolean {
  return JSON.stringify(certificate.subject) === JSON.stringify(certificate.issuer);
}
