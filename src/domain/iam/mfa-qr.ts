// The QR code CreateVirtualMFADevice returns, as AWS writes it.
//
// AWS's reference describes the QRCodePNG as a PNG of
//   otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String
// and the codes AWS actually shows carry an issuer too; decoded with zbarimg they read
//   otpauth://totp/Amazon%20Web%20Services:fvogtMFADevice@linux240b?secret=<SEED>&issuer=Amazon%20Web%20Services
// (device name "@" account alias, or the account id when there is no alias, e.g.
// "root-account-mfa-device@123456"), which authenticator apps list as
// "Amazon Web Services (<device>@<account>)". No algorithm, digits or period parameters: apps use
// their defaults (SHA-1, 6 digits, 30 s), which are RFC 6238's and what the server checks.
import QRCode from 'qrcode';

export const QR_ISSUER = 'Amazon Web Services';

/** The otpauth:// URI AWS encodes in a virtual MFA device's QR code. */
export function virtualMfaUri(deviceName: string, accountName: string, seed: string): string {
  const issuer = encodeURIComponent(QR_ISSUER);
  const account = encodeURIComponent(`${deviceName}@${accountName}`).replace(/%40/g, '@');
  return `otpauth://totp/${issuer}:${account}?secret=${seed}&issuer=${issuer}`;
}

/** A PNG of the URI as a QR code (error correction M, the usual 4-module quiet zone). */
export function qrCodePng(uri: string): Promise<Buffer> {
  return QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 5 });
}
