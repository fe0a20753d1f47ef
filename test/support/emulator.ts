/** Shared set-up of the emulator contract tests: a started emulator, real SDK clients, certificate fixtures. */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { IoTClient, IoTServiceException } from '@aws-sdk/client-iot';
import * as x509 from '@peculiar/x509';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../lib/local/emulator';
import { ACCOUNT } from './constants';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const PRIMARY = 'us-east-1';
export const SECONDARY = 'eu-west-1';

/** Starts an emulator with quotas off and immediate thing-type deletion unless told otherwise. */
export function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ quotaScale: 0, thingTypeDeletionDelayMs: 0, ...options });
}

/** Starts an emulator and a client for a describe block, closing both after it; `use` receives them. */
export function useEmulator(use: (emulator: RunningEmulator, client: IoTClient) => void, options: EmulatorOptions = {}): void {
  let emulator: RunningEmulator | undefined;
  let client: IoTClient | undefined;
  beforeAll(async () => {
    emulator = await start(options);
    client = iot(emulator);
    use(emulator, client);
  });
  afterAll(async () => {
    client?.destroy();
    await emulator?.close();
  });
}

/** A real IoT client for `region`, without retries. */
export function iot(emulator: RunningEmulator, region = PRIMARY): IoTClient {
  return new IoTClient({
    endpoint: emulator.url,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

/** The error a call rejects with (fails the test when it resolves). */
export async function failure(call: Promise<unknown>): Promise<IoTServiceException> {
  try {
    await call;
  } catch (err) {
    if (err instanceof IoTServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** A unique-enough name for one test. */
let counter = 0;
export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${counter++}`;

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
type Keys = Awaited<ReturnType<typeof webcrypto.subtle.generateKey>> & { privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey };

const newKeys = async (): Promise<Keys> => (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as Keys;

/** A CA certificate and the means to sign device certificates and a verification certificate with it. */
export interface TestCa {
  pem: string;
  issue(cn: string, notAfter?: Date): Promise<string>;
}

/** A self-signed CA (basicConstraints CA:TRUE). */
export async function makeCa(cn: string): Promise<TestCa> {
  const keys = await newKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 365 * 86400_000),
    keys,
    signingAlgorithm: SIGN,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return {
    pem: ca.toString('pem'),
    async issue(subject, notAfter = new Date(Date.now() + 30 * 86400_000)) {
      const leafKeys = await newKeys();
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${subject}`,
        issuer: ca.subject,
        notBefore: new Date(Date.now() - 3600_000),
        notAfter,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: SIGN,
      });
      return leaf.toString('pem');
    },
  };
}

/** A self-signed device certificate no registered CA issued. */
export async function selfSigned(cn: string, notAfter = new Date(Date.now() + 30 * 86400_000)): Promise<string> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 7 * 86400_000),
    notAfter,
    keys,
    signingAlgorithm: SIGN,
  });
  return cert.toString('pem');
}

/** A PKCS#10 certificate signing request. */
export async function csr(cn: string): Promise<string> {
  const keys = await newKeys();
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: SIGN });
  return req.toString('pem');
}

/** A valid policy document allowing one action. */
export const policyDocument = (action = 'iot:Connect', resource = `arn:aws:iot:${PRIMARY}:${ACCOUNT}:client/*`): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
