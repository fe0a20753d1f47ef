/**
 * Admin paths that stand in for the device side of provisioning until the emulator's data plane calls
 * the same functions over MQTT (`fleetProvisioning`, `justInTimeProvision`). Each runs as the service
 * does for a data-plane request: registry events are published, no CloudTrail record is written
 * (https://docs.aws.amazon.com/iot/latest/developerguide/iot-using-cloudtrail.html), and no control-plane quota is taken.
 *
 * | path (`?region=R` required) | MQTT equivalent |
 * |---|---|
 * | `POST /_emulator/provisioning/create-keys-and-certificate` | `$aws/certificates/create/json` |
 * | `POST /_emulator/provisioning/create-certificate-from-csr` `{certificateSigningRequest}` | `$aws/certificates/create-from-csr/json` |
 * | `POST /_emulator/provisioning/templates/<name>/provision` `{certificateOwnershipToken, parameters}` | `$aws/provisioning-templates/<name>/provision/json` |
 * | `POST /_emulator/provisioning/jitp` `{certificatePem}` | a device's first TLS connection with a certificate of a JITP CA |
 *
 * S3 stand-in for bulk registration (not a device path): `PUT /_emulator/provisioning/files/<bucket>/<key>`
 * stores the raw request body as that object of the region; `GET` on the same path serves it back (the
 * task reports are linked this way).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { OperationContext } from './context';
import { AwsError, invalidRequest, unknownOperation } from './errors';
import { fleetProvisioning, justInTimeProvision } from './operations/provisioning';
import { fileKey } from './operations/thing-registration-tasks';
import { parseJsonObjectBody } from './input';

/** Runs work in a region as the service would (see `EmulatorCore.internalContext`). */
export type InternalRunner = <T>(region: string, work: (ctx: OperationContext) => Promise<T>) => Promise<T>;

const PROVISION = /^\/_emulator\/provisioning\/templates\/([^/]+)\/provision$/;
const FILE = /^\/_emulator\/provisioning\/files\/([^/]+)\/(.+)$/;

/** Serves one provisioning admin request. */
export async function provisioningAdmin(run: InternalRunner, method: string, path: string, params: URLSearchParams, body: string, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  try {
    const region = params.get('region');
    if (!region) throw invalidRequest('region is required (?region=R)');
    const file = FILE.exec(path);
    if (file) {
      const key = fileKey(decodeURIComponent(file[1]!), decodeURIComponent(file[2]!));
      if (method === 'PUT') {
        await run(region, async (ctx) => ctx.state.files.set(key, body));
        return send(res, requestId, 200, { stored: key, bytes: Buffer.byteLength(body) });
      }
      if (method === 'GET') {
        const content = await run(region, async (ctx) => ctx.state.files.get(key));
        if (content === undefined) throw new AwsError('ResourceNotFoundException', 404, `No object ${key} in ${region}`);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(content), 'x-amzn-requestid': requestId });
        res.end(content);
        return;
      }
    }
    const input = parseJsonObjectBody(body);
    const template = PROVISION.exec(path);
    let out: unknown;
    if (method === 'POST' && path === '/_emulator/provisioning/create-keys-and-certificate') {
      out = await run(region, (ctx) => fleetProvisioning.createKeysAndCertificate(ctx));
    } else if (method === 'POST' && path === '/_emulator/provisioning/create-certificate-from-csr') {
      const csr = input.certificateSigningRequest;
      if (typeof csr !== 'string') throw invalidRequest('certificateSigningRequest is required');
      out = await run(region, (ctx) => fleetProvisioning.createCertificateFromCsr(ctx, csr));
    } else if (method === 'POST' && template) {
      const name = decodeURIComponent(template[1]!);
      out = await run(region, (ctx) => fleetProvisioning.registerThing(ctx, name, input));
    } else if (method === 'POST' && path === '/_emulator/provisioning/jitp') {
      const pem = input.certificatePem;
      if (typeof pem !== 'string') throw invalidRequest('certificatePem is required');
      const r = await run(region, (ctx) => justInTimeProvision(ctx, pem));
      out = { ...(r.thingName !== undefined ? { thingName: r.thingName } : {}), certificateId: r.certificateId, resourceArns: r.resourceArns };
    } else {
      throw unknownOperation(method, path);
    }
    return send(res, requestId, 200, out);
  } catch (err) {
    const e = err instanceof AwsError ? err : invalidRequest(err instanceof Error ? err.message : String(err));
    return send(res, requestId, e.statusCode, { message: e.message, ...e.extra }, e.code);
  }
}


function send(res: ServerResponse, requestId: string, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}
