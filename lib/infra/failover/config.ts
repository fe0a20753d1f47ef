/**
 * The `failover` section of the app config: one custom domain served by an IoT domain configuration in
 * both regions, Route 53 failover records between them, data-plane canaries as health checks, and the
 * drift job's readiness as the gate for the secondary. Validated with zod; every error names the field.
 */
import { z } from 'zod';
import { AccountIdSchema, RegionSchema } from '../../core/validation';
import { fromContext } from '../context-values';
import { DEFAULT_READINESS_THRESHOLD, ReadinessPercentSchema } from '../sync-props';

/** A whole number, also as the string a context value arrives in. */
const wholeNumber = (schema: z.ZodNumber) => fromContext(z.number().int('must be a whole number').pipe(schema));

/** A fully qualified domain name (no wildcard: devices connect to exactly this name). */
const DomainName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case fully qualified domain name such as iot.example.com');

const CERTIFICATE_ARN_MESSAGE = 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)';

/** An ACM certificate ARN, its region and account checked by the shared schemas; its region is checked against the region it serves. */
const CertificateArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:acm:[^:]+:[^:]+:certificate\/[0-9a-f-]{36}$/, CERTIFICATE_ARN_MESSAGE)
  .refine((arn) => RegionSchema.safeParse(arnRegion(arn)).success && AccountIdSchema.safeParse(arn.split(':')[4]).success, CERTIFICATE_ARN_MESSAGE);

/** Region part of an ARN. */
export function arnRegion(arn: string): string {
  return arn.split(':')[3] ?? '';
}

/** The failover section as written in the config file. */
export const FailoverConfigSchema = z.strictObject({
  /** The one name devices connect to (and send as SNI) in both regions. */
  domainName: DomainName,
  /** Route 53 public hosted zone holding `domainName`. */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,31}$/, 'must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ'),
  /** The domain's server certificate in ACM, one per region: both required (an IoT domain configuration takes exactly one). */
  serverCertificateArns: z.strictObject({ primary: CertificateArn, secondary: CertificateArn }),
  /** How Route 53 judges the canary alarms: interval 10 or 30 s (default 30), failure threshold 1-10 (default 3). */
  healthCheck: z
    .strictObject({
      intervalSeconds: fromContext(z.union([z.literal(10), z.literal(30)], { error: 'must be 10 or 30' })).default(30),
      failureThreshold: wholeNumber(z.number().min(1, 'must be between 1 and 10').max(10, 'must be between 1 and 10')).default(3),
    })
    .default({ intervalSeconds: 30, failureThreshold: 3 }),
  /** ReadinessPercent at or above which the secondary may take the traffic; default the drift alarm's (99). */
  readinessThreshold: ReadinessPercentSchema.default(DEFAULT_READINESS_THRESHOLD),
  /** TTL in seconds of the failover records; default 60. */
  ttl: wholeNumber(z.number().min(0, 'must be between 0 and 86400').max(86400, 'must be between 0 and 86400')).default(60),
  /** Deploy a recovery-controller cluster with a routing control per region; default false. */
  routingControl: fromContext(z.boolean()).default(false),
});

/** The validated failover section. */
export type FailoverConfig = z.infer<typeof FailoverConfigSchema>;

/**
 * Checks what one field cannot: each certificate lives in the region it serves (ACM certificates are
 * regional; an IoT domain configuration takes one from its own region). Returns [path, message] or undefined.
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-configurable-custom.html
 */
export function checkFailoverRegions(failover: FailoverConfig, sourceRegion: string, targetRegion: string): [string[], string] | undefined {
  const { primary, secondary } = failover.serverCertificateArns;
  if (arnRegion(primary) !== sourceRegion) {
    return [['failover', 'serverCertificateArns', 'primary'], `must be a certificate in the primary region ${sourceRegion} (got ${arnRegion(primary)})`];
  }
  if (arnRegion(secondary) !== targetRegion) {
    return [['failover', 'serverCertificateArns', 'secondary'], `must be a certificate in the secondary region ${targetRegion} (got ${arnRegion(secondary)})`];
  }
  return undefined;
}
