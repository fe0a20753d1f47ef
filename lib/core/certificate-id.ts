/**
 * The certificate-ID rule of AWS IoT: a certificate's ID is the hex SHA-256 of its DER bytes, so the same
 * certificate has the same ID in every region and account (the emulator, the adapter and the local CA
 * all rely on it). Pure: node:crypto only.
 *
 * UNCONFIRMED: no AWS doc page states the hash rule. AWS's own DR sample reuses the primary's ID in the
 * secondary (https://github.com/awslabs/disaster-recovery-for-aws-iot/blob/main/source/lambda/iot-dr-layer/device_replication.py)
 * and moto computes it so (https://github.com/getmoto/moto/pull/6858).
 */
import { createHash, X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/**
 * The IoT certificate ID of a PEM: the hex SHA-256 of the first certificate's DER bytes (the same in
 * every region); `undefined` when the text holds no PEM certificate.
 */
export function certificateIdOfPem(pem: string): string | undefined {
  const body = PEM_CERTIFICATE.exec(pem)?.[1];
  if (body === undefined) return undefined;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (der.length === 0) return undefined;
  return createHash('sha256').update(der).digest('hex');
}

/** The IoT certificate ID of a PEM; throws, as AWS refuses it, on a PEM that is not an X.509 certificate. */
export function certificateIdOf(pem: string): string {
  new X509Certificate(pem);
  const id = certificateIdOfPem(pem);
  if (id === undefined) throw new Error('not an X.509 certificate PEM');
  return id;
}
