/**
 * Device and CA certificates. The certificate ID is the hex SHA-256 of the DER bytes, so one PEM has the
 * same ID in every region. Private keys leave CreateKeysAndCertificate once and are never kept.
 */
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { seconds, type OperationContext, type OperationTable } from '../context';
import {
  certificateState,
  certificateValidation,
  deleteConflict,
  invalidRequest,
  limitExceeded,
  resourceAlreadyExists,
  resourceNotFound,
} from '../errors';
import { optionalBool, optionalInt, optionalObject, optionalString, requiredString, type Input } from '../input';
import { pageSize, paginate } from '../pagination';
import type { CaCertificateRecord, CertificateRecord, CertificateStatus } from '../state';

/** ListCertificates' documented default page size. */
export const DEFAULT_PAGE_SIZE = 25;
/** Longest PEM the API accepts. */
export const MAX_PEM_LENGTH = 65536;
/** CA certificates with one subject an account may register. */
export const MAX_CAS_PER_SUBJECT = 10;

const STATUSES: readonly CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'REGISTER_INACTIVE', 'PENDING_ACTIVATION'];
/** Statuses a caller may set; the PENDING_* ones belong to the service. */
const SETTABLE: readonly CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'REGISTER_INACTIVE'];

interface ParsedCertificate {
  readonly x509: X509Certificate;
  readonly id: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Parses a PEM the way the service validates it; CertificateValidationException when it is not one. */
export function parseCertificate(pem: string, now: number): ParsedCertificate {
  if (pem.length > MAX_PEM_LENGTH) throw invalidRequest(`certificatePem is longer than ${MAX_PEM_LENGTH} characters`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    throw certificateValidation('The certificate is not valid: it could not be parsed');
  }
  const notBefore = Date.parse(x509.validFrom);
  const notAfter = Date.parse(x509.validTo);
  if (notAfter < now) throw certificateValidation('The certificate has expired');
  return { x509, id: createHash('sha256').update(x509.raw).digest('hex'), notBefore, notAfter };
}

function statusParam(value: string | undefined, allowed: readonly CertificateStatus[], name: string): CertificateStatus | undefined {
  if (value === undefined) return undefined;
  if (!STATUSES.includes(value as CertificateStatus)) throw invalidRequest(`Invalid ${name}: ${value}`);
  if (!allowed.includes(value as CertificateStatus)) throw invalidRequest(`${name} ${value} cannot be set by a caller`);
  return value as CertificateStatus;
}

function requireCertificate(ctx: OperationContext, id: string): CertificateRecord {
  const cert = ctx.state.certificates.get(id);
  if (!cert) throw resourceNotFound(`The certificate ${id} does not exist`);
  return cert;
}

function requireCa(ctx: OperationContext, id: string): CaCertificateRecord {
  const ca = ctx.state.caCertificates.get(id);
  if (!ca) throw resourceNotFound(`The CA certificate ${id} does not exist`);
  return ca;
}

function addCertificate(
  ctx: OperationContext,
  parsed: ParsedCertificate,
  pem: string,
  status: CertificateStatus,
  mode: 'DEFAULT' | 'SNI_ONLY',
  caCertificateId?: string,
): CertificateRecord {
  if (ctx.state.certificates.has(parsed.id)) {
    throw resourceAlreadyExists('The certificate is already provisioned or registered', parsed.id, ctx.arn(`cert/${parsed.id}`));
  }
  const cert: CertificateRecord = {
    id: parsed.id,
    arn: ctx.arn(`cert/${parsed.id}`),
    pem,
    status,
    mode,
    ...(caCertificateId !== undefined ? { caCertificateId } : {}),
    creationDate: ctx.now,
    lastModifiedDate: ctx.now,
    customerVersion: 1,
    generationId: randomUUID(),
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    seq: ++ctx.state.seq,
  };
  ctx.state.certificates.set(cert.id, cert);
  return cert;
}

const seqKey = (r: { seq: number }): string => String(r.seq).padStart(15, '0');

function listPage<T extends { seq: number }>(records: T[], input: Input): { items: T[]; next?: string } {
  const size = pageSize(optionalInt(input, 'pageSize'), 'pageSize', DEFAULT_PAGE_SIZE);
  const ascending = optionalBool(input, 'ascendingOrder') ?? false;
  const sorted = records.sort((a, b) => (ascending ? a.seq - b.seq : b.seq - a.seq));
  return paginate(sorted, seqKey, size, optionalString(input, 'marker'), 'marker', !ascending);
}

function certificateSummary(c: CertificateRecord): Record<string, unknown> {
  return { certificateArn: c.arn, certificateId: c.id, status: c.status, certificateMode: c.mode, creationDate: seconds(c.creationDate) };
}

/** Finds the registered CA that issued `cert` (the given CA PEM when there is one). */
function issuingCa(ctx: OperationContext, cert: X509Certificate, caPem: string | undefined): CaCertificateRecord {
  let candidates: CaCertificateRecord[];
  if (caPem !== undefined) {
    const ca = parseCertificate(caPem, ctx.now);
    const registered = ctx.state.caCertificates.get(ca.id);
    if (!registered) throw certificateValidation('The CA certificate is not registered in this region');
    candidates = [registered];
  } else {
    candidates = [...ctx.state.caCertificates.values()];
  }
  const issuers = candidates.filter((ca) => cert.checkIssued(ca.x509) && cert.verify(ca.x509.publicKey));
  if (issuers.length === 0) throw certificateValidation('The certificate is not signed by a CA certificate registered in this region');
  const active = issuers.find((ca) => ca.status === 'ACTIVE');
  if (!active) throw certificateValidation('The CA certificate that signed this certificate is not ACTIVE');
  return active;
}

/** The handlers of the certificate family (device and CA certificates). */
export const certificateOperations: OperationTable = {
  async CreateKeysAndCertificate(ctx, input) {
    const status: CertificateStatus = optionalBool(input, 'setAsActive') ? 'ACTIVE' : 'INACTIVE';
    const issued = await ctx.issuer.issueWithNewKey();
    const cert = addCertificate(ctx, parseCertificate(issued.certificatePem, ctx.now), issued.certificatePem, status, 'DEFAULT');
    const elements = { certificateArn: cert.arn, certificateId: cert.id, certificatePem: cert.pem };
    return {
      body: { ...elements, keyPair: { PublicKey: issued.publicKeyPem, PrivateKey: issued.privateKeyPem } },
      responseElements: elements, // the key pair never leaves the HTTP response
    };
  },

  async CreateCertificateFromCsr(ctx, input) {
    const csr = requiredString(input, 'certificateSigningRequest');
    const status: CertificateStatus = optionalBool(input, 'setAsActive') ? 'ACTIVE' : 'INACTIVE';
    const pem = await ctx.issuer.issueForCsr(csr);
    const cert = addCertificate(ctx, parseCertificate(pem, ctx.now), pem, status, 'DEFAULT');
    return { body: { certificateArn: cert.arn, certificateId: cert.id, certificatePem: cert.pem } };
  },

  RegisterCertificate(ctx, input) {
    const pem = requiredString(input, 'certificatePem');
    const parsed = parseCertificate(pem, ctx.now);
    const status = statusParam(optionalString(input, 'status'), SETTABLE, 'status') ?? (optionalBool(input, 'setAsActive') ? 'ACTIVE' : 'INACTIVE');
    if (ctx.state.certificates.has(parsed.id)) {
      throw resourceAlreadyExists('The certificate is already provisioned or registered', parsed.id, ctx.arn(`cert/${parsed.id}`));
    }
    const ca = issuingCa(ctx, parsed.x509, optionalString(input, 'caCertificatePem'));
    const cert = addCertificate(ctx, parsed, pem, status, ca.mode, ca.id);
    return { body: { certificateArn: cert.arn, certificateId: cert.id } };
  },

  RegisterCertificateWithoutCA(ctx, input) {
    const pem = requiredString(input, 'certificatePem');
    const parsed = parseCertificate(pem, ctx.now);
    const status = statusParam(optionalString(input, 'status'), SETTABLE, 'status') ?? 'INACTIVE';
    const cert = addCertificate(ctx, parsed, pem, status, 'SNI_ONLY');
    return { body: { certificateArn: cert.arn, certificateId: cert.id } };
  },

  DescribeCertificate(ctx, input) {
    const c = requireCertificate(ctx, requiredString(input, 'certificateId'));
    return {
      body: {
        certificateDescription: {
          certificateArn: c.arn,
          certificateId: c.id,
          ...(c.caCertificateId !== undefined ? { caCertificateId: c.caCertificateId } : {}),
          status: c.status,
          certificatePem: c.pem,
          ownedBy: ctx.accountId,
          creationDate: seconds(c.creationDate),
          lastModifiedDate: seconds(c.lastModifiedDate),
          customerVersion: c.customerVersion,
          transferData: {},
          generationId: c.generationId,
          validity: { notBefore: seconds(c.notBefore), notAfter: seconds(c.notAfter) },
          certificateMode: c.mode,
        },
      },
    };
  },

  UpdateCertificate(ctx, input) {
    const cert = requireCertificate(ctx, requiredString(input, 'certificateId'));
    const newStatus = statusParam(requiredString(input, 'newStatus'), SETTABLE, 'newStatus') as CertificateStatus;
    if (cert.status === 'REVOKED' && newStatus !== 'REVOKED') {
      throw certificateState(`Certificate ${cert.id} is REVOKED and cannot be changed to ${newStatus}`);
    }
    if (cert.status === 'PENDING_TRANSFER') throw certificateState(`Certificate ${cert.id} has a pending transfer`);
    cert.status = newStatus;
    cert.lastModifiedDate = ctx.now;
    cert.customerVersion += 1;
    cert.generationId = randomUUID();
    return { body: {} };
  },

  DeleteCertificate(ctx, input) {
    const cert = requireCertificate(ctx, requiredString(input, 'certificateId'));
    if (cert.status === 'ACTIVE') throw certificateState(`Certificate must be deactivated (not ACTIVE) before deletion. Id: ${cert.id}`);
    if (cert.status === 'PENDING_TRANSFER') throw certificateState(`Certificate ${cert.id} has a pending transfer`);
    if ((ctx.state.principalThings.get(cert.arn)?.size ?? 0) > 0) {
      throw deleteConflict(`Things must be detached before deletion (arn: ${cert.arn})`);
    }
    const policies = ctx.state.targetPolicies.get(cert.arn);
    if ((policies?.size ?? 0) > 0 && !(optionalBool(input, 'forceDelete') ?? false)) {
      throw deleteConflict(`Certificate policies must be detached before deletion (arn: ${cert.arn})`);
    }
    for (const policyName of policies ?? []) ctx.state.policyTargets.get(policyName)?.delete(cert.arn);
    ctx.state.targetPolicies.delete(cert.arn);
    ctx.state.principalThings.delete(cert.arn);
    ctx.state.certificates.delete(cert.id);
    return { body: {} };
  },

  ListCertificates(ctx, input) {
    const page = listPage([...ctx.state.certificates.values()], input);
    return { body: { certificates: page.items.map(certificateSummary), ...(page.next !== undefined ? { nextMarker: page.next } : {}) } };
  },

  ListCertificatesByCA(ctx, input) {
    const caId = requiredString(input, 'caCertificateId');
    const page = listPage([...ctx.state.certificates.values()].filter((c) => c.caCertificateId === caId), input);
    return { body: { certificates: page.items.map(certificateSummary), ...(page.next !== undefined ? { nextMarker: page.next } : {}) } };
  },

  RegisterCACertificate(ctx, input) {
    const pem = requiredString(input, 'caCertificate');
    const parsed = parseCertificate(pem, ctx.now);
    if (!parsed.x509.ca) throw certificateValidation('The certificate is not a CA certificate');
    const mode = optionalString(input, 'certificateMode') ?? 'DEFAULT';
    if (mode !== 'DEFAULT' && mode !== 'SNI_ONLY') throw invalidRequest(`Invalid certificateMode: ${mode}`);
    if (mode === 'DEFAULT') {
      const verificationPem = optionalString(input, 'verificationCertificate');
      if (verificationPem === undefined) throw invalidRequest('verificationCertificate is required when certificateMode is DEFAULT');
      const verification = parseCertificate(verificationPem, ctx.now);
      // GetRegistrationCode is not emulated, so the verification certificate's CN is not compared with a code.
      if (!verification.x509.verify(parsed.x509.publicKey)) {
        throw certificateValidation('The verification certificate is not signed by the CA certificate');
      }
    }
    const existing = ctx.state.caCertificates.get(parsed.id);
    if (existing) throw resourceAlreadyExists('The CA certificate is already registered', parsed.id, existing.arn);
    const sameSubject = [...ctx.state.caCertificates.values()].filter((c) => c.x509.subject === parsed.x509.subject).length;
    if (sameSubject >= MAX_CAS_PER_SUBJECT) throw limitExceeded(`At most ${MAX_CAS_PER_SUBJECT} CA certificates may share a subject`);
    const registrationConfig = optionalObject(input, 'registrationConfig');
    const ca: CaCertificateRecord = {
      id: parsed.id,
      arn: ctx.arn(`cacert/${parsed.id}`),
      pem,
      x509: parsed.x509,
      status: optionalBool(input, 'setAsActive') ? 'ACTIVE' : 'INACTIVE',
      mode,
      autoRegistrationStatus: optionalBool(input, 'allowAutoRegistration') ? 'ENABLE' : 'DISABLE',
      ...(registrationConfig ? { registrationConfig: { ...registrationConfig } } : {}),
      creationDate: ctx.now,
      lastModifiedDate: ctx.now,
      customerVersion: 1,
      generationId: randomUUID(),
      notBefore: parsed.notBefore,
      notAfter: parsed.notAfter,
      seq: ++ctx.state.seq,
    };
    ctx.state.caCertificates.set(ca.id, ca);
    return { body: { certificateArn: ca.arn, certificateId: ca.id } };
  },

  DescribeCACertificate(ctx, input) {
    const ca = requireCa(ctx, requiredString(input, 'certificateId'));
    return {
      body: {
        certificateDescription: {
          certificateArn: ca.arn,
          certificateId: ca.id,
          status: ca.status,
          certificatePem: ca.pem,
          ownedBy: ctx.accountId,
          creationDate: seconds(ca.creationDate),
          autoRegistrationStatus: ca.autoRegistrationStatus,
          lastModifiedDate: seconds(ca.lastModifiedDate),
          customerVersion: ca.customerVersion,
          generationId: ca.generationId,
          validity: { notBefore: seconds(ca.notBefore), notAfter: seconds(ca.notAfter) },
          certificateMode: ca.mode,
        },
        ...(ca.registrationConfig ? { registrationConfig: { ...ca.registrationConfig } } : {}),
      },
    };
  },

  UpdateCACertificate(ctx, input) {
    const ca = requireCa(ctx, requiredString(input, 'certificateId'));
    const newStatus = optionalString(input, 'newStatus');
    if (newStatus !== undefined && newStatus !== 'ACTIVE' && newStatus !== 'INACTIVE') throw invalidRequest(`Invalid newStatus: ${newStatus}`);
    const newAuto = optionalString(input, 'newAutoRegistrationStatus');
    if (newAuto !== undefined && newAuto !== 'ENABLE' && newAuto !== 'DISABLE') {
      throw invalidRequest(`Invalid newAutoRegistrationStatus: ${newAuto}`);
    }
    const registrationConfig = optionalObject(input, 'registrationConfig');
    if (newStatus !== undefined) ca.status = newStatus;
    if (newAuto !== undefined) ca.autoRegistrationStatus = newAuto;
    if (registrationConfig) ca.registrationConfig = { ...registrationConfig };
    if (optionalBool(input, 'removeAutoRegistration')) delete ca.registrationConfig;
    ca.lastModifiedDate = ctx.now;
    ca.customerVersion += 1;
    ca.generationId = randomUUID();
    return { body: {} };
  },

  DeleteCACertificate(ctx, input) {
    const ca = requireCa(ctx, requiredString(input, 'certificateId'));
    if (ca.status === 'ACTIVE') throw certificateState(`The CA certificate must be deactivated (not ACTIVE) before deletion. Id: ${ca.id}`);
    ctx.state.caCertificates.delete(ca.id);
    return { body: {} };
  },

  ListCACertificates(ctx, input) {
    const templateName = optionalString(input, 'templateName');
    const cas = [...ctx.state.caCertificates.values()].filter((c) => templateName === undefined || c.registrationConfig?.templateName === templateName);
    const page = listPage(cas, input);
    return {
      body: {
        certificates: page.items.map((c) => ({ certificateArn: c.arn, certificateId: c.id, status: c.status, creationDate: seconds(c.creationDate) })),
        ...(page.next !== undefined ? { nextMarker: page.next } : {}),
      },
    };
  },
};
