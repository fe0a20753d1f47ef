/**
 * Certificates for the local fleet and the tests: real X.509 PEMs (ECDSA P-256, about 3 ms each),
 * self-signed or issued by a local CA. Private keys never leave this module: only public PEMs and their
 * IDs are returned, and device keys are discarded at once.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { certificateIdOf } from '../core/certificate-id';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
// AWS-issued certificates expire then too.
const NOT_AFTER = new Date('2049-12-31T23:59:59Z');

/** A public certificate and its ID (hex SHA-256 of its DER bytes, as AWS IoT computes it). */
export interface DeviceCertificate {
  certificatePem: string;
  certificateId: string;
}

let serial = 0;
const nextSerial = (): string => (++serial).toString(16).padStart(4, '0');

const newKeys = async (): Promise<webcrypto.CryptoKeyPair> =>
  (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

/** The AWS IoT certificate ID of a PEM (the rule lives in the core); throws on a PEM that is not X.509. */
export { certificateIdOf };

/** A self-signed device certificate (what RegisterCertificateWithoutCA accepts). */
export async function selfSignedCertificate(commonName = 'device'): Promise<DeviceCertificate> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${commonName}`,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: ALGORITHM,
    keys: await newKeys(),
  });
  const certificatePem = cert.toString('pem');
  return { certificatePem, certificateId: certificateIdOf(certificatePem) };
}

/** A local CA that issues device certificates; its own certificate is `certificatePem` / `certificateId`. */
export class LocalCertificateAuthority implements DeviceCertificate {
  readonly certificateId: string;

  private constructor(
    private readonly keys: webcrypto.CryptoKeyPair,
    private readonly certificate: x509.X509Certificate,
    /** The CA certificate's public PEM. */
    readonly certificatePem: string,
  ) {
    this.certificateId = certificateIdOf(certificatePem);
  }

  /** A new CA with a fresh key. */
  static async create(commonName = 'iot-registry-sync local CA'): Promise<LocalCertificateAuthority> {
    const keys = await newKeys();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: nextSerial(),
      name: `CN=${commonName}`,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    return new LocalCertificateAuthority(keys, ca, ca.toString('pem'));
  }

  /** Issues one device certificate; its private key is discarded at once. */
  async issue(commonName = 'device'): Promise<DeviceCertificate> {
    const device = await newKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: nextSerial(),
      subject: `CN=${commonName}`,
      issuer: this.certificate.subject,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      signingAlgorithm: ALGORITHM,
      publicKey: device.publicKey,
      signingKey: this.keys.privateKey,
    });
    const certificatePem = cert.toString('pem');
    return { certificatePem, certificateId: certificateIdOf(certificatePem) };
  }
}
