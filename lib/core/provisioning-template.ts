/**
 * Provisioning template bodies (fleet provisioning templates and a CA's JITP `registrationConfig`): the
 * region rewrite of the policies they embed and the canonical form used to compare them.
 *
 * A template declares `AWS::IoT::Policy` resources whose `PolicyDocument` is a JSON string
 * (https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html#policy-resources); those
 * documents get the same structural rewrite as a policy (`rewritePolicyDocument`), so a device provisioned
 * in the target gets a policy naming the target's ARNs. Nothing else in a body is touched.
 */
import { InvalidResourceError } from './errors';
import type { RegistrationConfig } from './model';
import { isObject, rewritePolicyDocument, sortKeys, type AccountRewrite, type Json, type JsonObject } from './policy-document';



function parseBody(body: string, subject: string): JsonObject {
  let parsed: Json;
  try {
    parsed = JSON.parse(body) as Json;
  } catch (error) {
    throw new InvalidResourceError(`${subject}: the template body is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(parsed)) throw new InvalidResourceError(`${subject}: the template body is not a JSON object`);
  return parsed;
}

/** A rewritten template body and how many ARNs changed region. */
export interface RewrittenTemplateBody {
  body: string;
  rewrittenArns: number;
}

/**
 * Rewrites the IoT ARNs of the policy documents a template body embeds from `sourceRegion` to
 * `targetRegion` (and, given `accounts`, from the source account to the target's). The body is returned verbatim when nothing changed. A body that is not a JSON object
 * throws `InvalidResourceError` naming `subject`; a `PolicyDocument` that is not a JSON string (an intrinsic
 * function) is left as written.
 */
export function rewriteTemplateBody(body: string, sourceRegion: string, targetRegion: string, subject: string, accounts?: AccountRewrite): RewrittenTemplateBody {
  const parsed = parseBody(body, subject);
  if (sourceRegion === targetRegion && accounts === undefined) return { body, rewrittenArns: 0 };
  let rewrittenArns = 0;
  const resources = parsed['Resources'];
  if (isObject(resources)) {
    for (const resource of Object.values(resources)) {
      if (!isObject(resource) || resource['Type'] !== 'AWS::IoT::Policy') continue;
      const properties = resource['Properties'];
      if (!isObject(properties) || typeof properties['PolicyDocument'] !== 'string') continue;
      try {
        const rewritten = rewritePolicyDocument(properties['PolicyDocument'], sourceRegion, targetRegion, undefined, accounts);
        if (rewritten.rewrittenArns > 0) {
          properties['PolicyDocument'] = rewritten.document;
          rewrittenArns += rewritten.rewrittenArns;
        }
      } catch {
        // A document built by the template's parameters at provisioning time is not JSON yet: kept as written.
      }
    }
  }
  return rewrittenArns === 0 ? { body, rewrittenArns } : { body: JSON.stringify(parsed), rewrittenArns };
}


/** The canonical form of a template body (keys sorted, whitespace dropped); a body that is not JSON stays as written. */
export function normaliseTemplateBody(body: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(body) as Json));
  } catch {
    return body;
  }
}

/** The region an ARN names (`arn:partition:service:region:account:…`), if any. */
export function arnRegion(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region === undefined || region === '' ? undefined : region;
}

/** The registration config the target should hold: the source's, its template body's policies rewritten to the target region. */
export function expectedRegistrationConfig(
  config: RegistrationConfig | undefined,
  regions: { sourceRegion: string; targetRegion: string; accounts?: AccountRewrite | undefined },
  certificateId: string,
): RegistrationConfig | undefined {
  if (config?.templateBody === undefined || config.templateBody === '') return config;
  const { body } = rewriteTemplateBody(config.templateBody, regions.sourceRegion, regions.targetRegion, `CA ${certificateId} registrationConfig`, regions.accounts);
  return { ...config, templateBody: body };
}
