import { createHash, X509Certificate } from 'node:crypto';
import { certificateIdOf, certificateIdOfPem } from '../../lib/core/certificate-id';
import { selfSignedCertificate } from '../../lib/local/certificates';

describe('certificateIdOfPem', () => {
  it('is the hex SHA-256 of the certificate DER', async () => {
    const pem = (await selfSignedCertificate('device-1')).certificatePem;

    const expected = createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

    expect(certificateIdOfPem(pem)).toBe(expected);
  });

  it('is undefined for text without a PEM certificate', () => {
    expect(certificateIdOfPem('hello')).toBeUndefined();
  });
});

describe('certificateIdOf', () => {
  it('is the same ID as certificateIdOfPem for an X.509 certificate', async () => {
    const pem = (await selfSignedCertificate('device-2')).certificatePem;

    expect(certificateIdOf(pem)).toBe(certificateIdOfPem(pem));
  });

  it('throws on a PEM block that is not an X.509 certificate', () => {
    const notACertificate = '-----BEGIN CERTIFICATE-----\nTk9UIEEgQ0VSVA==\n-----END CERTIFICATE-----\n';

    expect(() => certificateIdOf(notACertificate)).toThrow();
  });
});
