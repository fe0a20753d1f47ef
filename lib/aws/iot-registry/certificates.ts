/**
 * Device certificates and CA certificates of one region. Both are registered under the ID their PEM
 * gives (the same in every region); a registration that finds the same ID already there has succeeded.
 */
import {
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  paginateListCACertificates,
  paginateListCertificates,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { certificateIdOfPem } from '../../core/certificate-id';
import { mapWithConcurrency } from '../../core/concurrency';
import type { CaCertificate, Certificate, SettableCertificateStatus } from '../../core/model';
import type { CertificateSummary } from '../../core/port';
import { DESCRIBE_CONCURRENCY, MAX_PAGE_SIZE, type RegistryCalls } from './calls';
import { caCertificateOf, certificateOf } from './mapping';

/** The device-certificate and CA-certificate operations of the port. */
export class Certificates {
  constructor(private readonly calls: RegistryCalls) {}

  async *list(): AsyncIterable<CertificateSummary> {
    const pages = paginateListCertificates({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListCertificates', 'certificates', pages)) {
      for (const c of page.certificates ?? []) {
        if (c.certificateId && c.status) yield { certificateId: c.certificateId, status: c.status };
      }
    }
  }

  async get(certificateId: string): Promise<Certificate | undefined> {
    const output = await this.calls.read('DescribeCertificate', `cert/${certificateId}`, () =>
      this.calls.client.send(new DescribeCertificateCommand({ certificateId })),
    );
    const d = output?.certificateDescription;
    if (!d) return undefined;
    return certificateOf(d, certificateId);
  }

  async register(input: { certificatePem: string; status: SettableCertificateStatus; caCertificatePem?: string }): Promise<void> {
    const certificateId = certificateIdOfPem(input.certificatePem);
    const key = `cert/${certificateId ?? 'unparsable-pem'}`;
    const register = (): Promise<unknown> =>
      input.caCertificatePem === undefined
        ? this.calls.client.send(new RegisterCertificateWithoutCACommand({ certificatePem: input.certificatePem, status: input.status }))
        : this.calls.client.send(
            new RegisterCertificateCommand({
              certificatePem: input.certificatePem,
              caCertificatePem: input.caCertificatePem,
              status: input.status,
            }),
          );
    const operation = input.caCertificatePem === undefined ? 'RegisterCertificateWithoutCA' : 'RegisterCertificate';
    try {
      await this.calls.call(operation, key, register);
    } catch (error) {
      // Already registered under the same ID is success; a differing status is the caller's next change.
      if (!this.calls.alreadyExistsAs(error, certificateId)) throw error;
    }
  }

  async updateStatus(certificateId: string, status: SettableCertificateStatus): Promise<void> {
    await this.calls.call('UpdateCertificate', `cert/${certificateId}`, () =>
      this.calls.client.send(new UpdateCertificateCommand({ certificateId, newStatus: status })),
    );
  }

  async delete(certificateId: string): Promise<void> {
    await this.calls.call('DeleteCertificate', `cert/${certificateId}`, () =>
      this.calls.client.send(new DeleteCertificateCommand({ certificateId })),
    );
  }

  async *listCas(): AsyncIterable<CaCertificate> {
    const pages = paginateListCACertificates({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListCACertificates', 'caCertificates', pages)) {
      const ids = (page.certificates ?? []).flatMap((c) => (c.certificateId ? [c.certificateId] : []));
      const cas = await mapWithConcurrency(ids, DESCRIBE_CONCURRENCY, (id) => this.getCa(id));
      for (const ca of cas) {
        if (ca) yield ca;
      }
    }
  }

  async getCa(certificateId: string): Promise<CaCertificate | undefined> {
    const output = await this.calls.read('DescribeCACertificate', `caCert/${certificateId}`, () =>
      this.calls.client.send(new DescribeCACertificateCommand({ certificateId })),
    );
    const d = output?.certificateDescription;
    if (!d) return undefined;
    return caCertificateOf(d, output?.registrationConfig, certificateId);
  }

  /** Registers the CA in SNI_ONLY mode; an existing registration of the same ID is success. */
  async registerCa(ca: CaCertificate): Promise<void> {
    try {
      await this.calls.call('RegisterCACertificate', `caCert/${ca.certificateId}`, () =>
        this.calls.client.send(
          new RegisterCACertificateCommand({
            caCertificate: ca.certificatePem,
            certificateMode: 'SNI_ONLY',
            allowAutoRegistration: ca.autoRegistration,
            setAsActive: ca.status === 'ACTIVE',
            ...(ca.registrationConfig === undefined ? {} : { registrationConfig: ca.registrationConfig }),
          }),
        ),
      );
    } catch (error) {
      if (!this.calls.alreadyExistsAs(error, ca.certificateId)) throw error;
    }
  }

  async updateCa(ca: CaCertificate): Promise<void> {
    await this.calls.call('UpdateCACertificate', `caCert/${ca.certificateId}`, () =>
      this.calls.client.send(
        new UpdateCACertificateCommand({
          certificateId: ca.certificateId,
          newStatus: ca.status,
          newAutoRegistrationStatus: ca.autoRegistration ? 'ENABLE' : 'DISABLE',
          // The JITP configuration is replaced whole; a CA without one has it removed. UNCONFIRMED: that
          // `removeAutoRegistration` removes the registrationConfig (the API reference says only "removes
          // auto registration", https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateCACertificate.html).
          ...(ca.registrationConfig === undefined ? { removeAutoRegistration: true } : { registrationConfig: ca.registrationConfig }),
        }),
      ),
    );
  }

  async deleteCa(certificateId: string): Promise<void> {
    await this.calls.call('DeleteCACertificate', `caCert/${certificateId}`, () =>
      this.calls.client.send(new DeleteCACertificateCommand({ certificateId })),
    );
  }
}
