/**
 * Test certificates: a self-signed CA and device certificates (ECDSA P-256, a few ms each). Only public
 * PEMs leave this module; the keys stay in memory and are never exported.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2049-12-31T23:59:59Z');

let serial = 1;
const nextSerial = (): string => (serial++).toString(16).padStart(2, '0');

async function keys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** A test CA that issues device certificates. */
export interface TestCa {
  caCertificatePem: string;
  issue(commonName: string): Promise<string>;
}

/** A self-signed CA whose `issue` signs device certificates. */
export async function createTestCa(commonName = 'iot-registry-sync test CA'): Promise<TestCa> {
  const caKeys = await keys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${commonName}`,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  return {
    caCertificatePem: ca.toString('pem'),
    async issue(deviceName: string): Promise<string> {
      const deviceKeys = await keys();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: `CN=${deviceName}`,
        issuer: ca.subject,
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        signingAlgorithm: ALGORITHM,
        publicKey: deviceKeys.publicKey,
        signingKey: caKeys.privateKey,
      });
      return cert.toString('pem');
    },
  };
}

/** A self-signed device certificate PEM (what RegisterCertificateWithoutCA accepts). */
export async function selfSignedDevicePem(commonName: string): Promise<string> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${commonName}`,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALGORITHM,
    keys: await keys(),
  });
  return cert.toString('pem');
}
