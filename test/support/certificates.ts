/**
 * Real X.509 PEMs for tests (ECDSA P-256, about 3 ms each). Private keys stay in memory: a CA keeps its
 * signing key to issue device certificates; device keys are discarded at once. Nothing is persisted.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as never);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2049-12-31T23:59:59Z');

/** A public certificate and its ID. */
export interface TestCertificate {
  certificatePem: string;
  certificateId: string;
}

/** The certificate ID AWS IoT computes: hex SHA-256 of the DER bytes. */
export function certificateIdOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

let serial = 0;
const nextSerial = (): string => {
  serial += 1;
  return serial.toString(16).padStart(4, '0');
};

const newKeys = async (): Promise<webcrypto.CryptoKeyPair> =>
  (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

/** A self-signed device certificate. */
export async function generateCertificate(commonName = 'device'): Promise<TestCertificate> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${commonName}`,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALGORITHM,
    keys: (await newKeys()) as never,
  });
  const certificatePem = cert.toString('pem');
  return { certificatePem, certificateId: certificateIdOf(certificatePem) };
}

/** A test CA: its public certificate, and `issue` for device certificates it signs. */
export interface TestCertificateAuthority extends TestCertificate {
  issue(commonName?: string): Promise<TestCertificate>;
}

/** A new CA with a fresh key. */
export async function generateCertificateAuthority(commonName = 'test CA'): Promise<TestCertificateAuthority> {
  const keys = await newKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${commonName}`,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALGORITHM,
    keys: keys as never,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const certificatePem = ca.toString('pem');
  return {
    certificatePem,
    certificateId: certificateIdOf(certificatePem),
    async issue(deviceName = 'device') {
      const device = await newKeys();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: `CN=${deviceName}`,
        issuer: ca.subject,
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        signingAlgorithm: ALGORITHM,
        publicKey: device.publicKey as never,
        signingKey: keys.privateKey as never,
      });
      const pem = cert.toString('pem');
      return { certificatePem: pem, certificateId: certificateIdOf(pem) };
    },
  };
}
