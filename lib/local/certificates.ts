/**
 * Device certificates for the local fleet: real X.509 PEMs signed by a local CA (ECDSA P-256, about
 * 3 ms each). The private keys never leave this function: only public PEMs are returned.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A public certificate and its ID (hex SHA-256 of the DER bytes, as AWS IoT computes it). */
export interface DeviceCertificate {
  certificatePem: string;
  certificateId: string;
}

/** Issues device certificates under one local CA. */
export class LocalCertificateAuthority {
  private constructor(
    private readonly caKeys: CryptoKeyPair,
    /** The CA certificate's public PEM. */
    readonly caCertificatePem: string,
    private serial = 1,
  ) {}

  /** A new CA with a fresh key. */
  static async create(commonName = 'iot-registry-sync local CA'): Promise<LocalCertificateAuthority> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=${commonName}`,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2049-12-31T23:59:59Z'),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    return new LocalCertificateAuthority(keys, ca.toString('pem'));
  }

  /** Issues one device certificate; its private key is discarded at once. */
  async issue(commonName: string): Promise<DeviceCertificate> {
    const device = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as CryptoKeyPair;
    this.serial += 1;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: this.serial.toString(16).padStart(2, '0'),
      subject: `CN=${commonName}`,
      issuer: new x509.X509Certificate(this.caCertificatePem).subject,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2049-12-31T23:59:59Z'),
      signingAlgorithm: ALGORITHM,
      publicKey: device.publicKey,
      signingKey: this.caKeys.privateKey,
    });
    const certificatePem = cert.toString('pem');
    return { certificatePem, certificateId: certificateIdOf(certificatePem) };
  }
}

/** The AWS IoT certificate ID of a PEM: hex SHA-256 of its DER bytes. */
export function certificateIdOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}
