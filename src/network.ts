// How the server meets the network: HTTPS (PORTCULLIS_TLS_CERT / PORTCULLIS_TLS_KEY), the origin
// browsers use (PORTCULLIS_PUBLIC_URL) and the reverse proxies whose forwarding headers are
// believed (PORTCULLIS_TRUSTED_PROXIES). Read with the rest of the configuration; applied by app.ts.
import { readFileSync } from 'node:fs';
import { configureClients, parsePublicUrl, parseTrustedProxies, type TrustedProxies } from './http/client.ts';

export const NETWORK_VARIABLES = ['TLS_CERT', 'TLS_KEY', 'PUBLIC_URL', 'TRUSTED_PROXIES'] as const;
type NetworkVariable = (typeof NETWORK_VARIABLES)[number];

export interface NetworkSettings {
  /** PEM files: the certificate (chain) and its private key. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly publicOrigin: string | undefined;
  readonly trustedProxies: TrustedProxies | undefined;
}

export function networkSettings(value: (name: NetworkVariable) => string | undefined): NetworkSettings {
  const certFile = value('TLS_CERT');
  const keyFile = value('TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new Error('PORTCULLIS_TLS_CERT and PORTCULLIS_TLS_KEY go together: set both or neither');
  const publicUrl = value('PUBLIC_URL');
  const proxies = value('TRUSTED_PROXIES');
  return {
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    publicOrigin: publicUrl === undefined ? undefined : parsePublicUrl(publicUrl),
    trustedProxies: proxies === undefined ? undefined : parseTrustedProxies(proxies),
  };
}

/** The PEM files' contents, read at start (a missing or unreadable file stops the server). */
export function readTls(settings: NetworkSettings): { cert: Buffer; key: Buffer } | undefined {
  if (!settings.tls) return undefined;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`Cannot read the TLS ${what} ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  return { cert: read(settings.tls.certFile, 'certificate'), key: read(settings.tls.keyFile, 'key') };
}

/** Every request's client is worked out by these settings from now on. */
export function applyNetworkSettings(settings: NetworkSettings): void {
  configureClients({ trustedProxies: settings.trustedProxies, publicOrigin: settings.publicOrigin });
}
