/**
 * The emulator's stand-in for the AWS IoT certificate authority: CreateKeysAndCertificate and
 * CreateCertificateFromCsr get real X.509 certificates (ECDSA P-256, fast) signed by it. One issuer per
 * emulator, shared by every region, as AWS's issuer is. Private keys are handed to the caller once and
 * never kept.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { invalidRequest } from './errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** AWS-issued device certificates expire at the end of 2049. */
const NOT_AFTER = new Date('2049-12-31T23:59:59Z');

/** A new certificate and the key pair it certifies (returned once to the caller, never stored). */
export interface IssuedKeysAndCertificate {
  readonly certificatePem: string;
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

const pem = (label: string, der: ArrayBuffer): string => {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.endsWith('\n') ? b64 : `${b64}\n`}-----END ${label}-----\n`;
};

/** Signs device certificates with a CA key generated at start. */
export class CertificateIssuer {
  private constructor(
    private readonly caKey: CryptoKey,
    private readonly caName: string,
    /** The issuer's own certificate, PEM. */
    readonly caCertificatePem: string,
  ) {}

  /** Generates the CA key and its self-signed certificate. */
  static async create(): Promise<CertificateIssuer> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=IoT Emulator CA, O=iot-registry-sync',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: NOT_AFTER,
      keys,
      signingAlgorithm: SIGNING,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    return new CertificateIssuer(keys.privateKey, ca.subject, ca.toString('pem'));
  }

  /** A fresh key pair and a certificate for it. */
  async issueWithNewKey(): Promise<IssuedKeysAndCertificate> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const certificatePem = await this.sign(keys.publicKey);
    const [spki, pkcs8] = await Promise.all([
      webcrypto.subtle.exportKey('spki', keys.publicKey),
      webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
    ]);
    return { certificatePem, publicKeyPem: pem('PUBLIC KEY', spki), privateKeyPem: pem('PRIVATE KEY', pkcs8) };
  }

  /** A certificate for the public key of a PKCS#10 request (InvalidRequestException when it is not one). */
  async issueForCsr(csrPem: string): Promise<string> {
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
    } catch {
      throw invalidRequest('The certificate signing request is not valid');
    }
    let valid = false;
    try {
      valid = await csr.verify();
    } catch {
      valid = false;
    }
    if (!valid) throw invalidRequest('The certificate signing request signature is not valid');
    return this.sign(csr.publicKey);
  }

  /** A TLS server certificate for the given DNS names (or IP addresses), with its key (the data plane's endpoint names). */
  async issueServerCertificate(dnsNames: readonly string[]): Promise<{ certificatePem: string; privateKeyPem: string }> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${dnsNames[0] ?? 'localhost'}`,
      issuer: this.caName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: NOT_AFTER,
      publicKey: keys.publicKey,
      signingKey: this.caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? ('ip' as const) : ('dns' as const), value }))),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { certificatePem: cert.toString('pem'), privateKeyPem: pem('PRIVATE KEY', pkcs8) };
  }

  private async sign(publicKey: x509.PublicKeyType): Promise<string> {
    const cert = await x509.X509CertificateGenerator.create({
      subject: 'CN=AWS IoT Certificate',
      issuer: this.caName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: NOT_AFTER,
      publicKey,
      signingKey: this.caKey,
      signingAlgorithm: SIGNING,
    });
    return cert.toString('pem');
  }
}
