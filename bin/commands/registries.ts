/** The source and target registries a command works on, from its options. */
import { registryPair } from '../../lib/aws/clients';
import { createDriftRegistry, type DriftRegistry } from '../../lib/aws/drift-listings';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import type { Logger } from '../../lib/core/logger';
import { perRoleDependencies, readTemplateFile, taskRolesFor } from '../../lib/local/iam';

/** Options every command that touches two regions takes. */
export interface RegionOptions {
  sourceRegion: string;
  targetRegion: string;
  endpoint?: string;
  quotaScale: number;
  /** A synthesized template: each local Lambda signs its calls with its own role's logical ID (emulator only). */
  iamTemplate?: string;
}

/** One paced registry client per region. */
export function registriesFor(options: RegionOptions, logger: Logger): { source: IotRegistry; target: IotRegistry } {
  if (options.sourceRegion === options.targetRegion) throw new Error('--source-region and --target-region must differ');
  return registryPair({ ...options, quotas: { scale: options.quotaScale }, logger });
}

/**
 * With `--iam-template`: a registry pair per Lambda role of the template, for the Task states of `aslFile`,
 * each signed with its role's logical ID (which an emulator started with the same template evaluates).
 */
export function roleRegistriesFor(options: RegionOptions & { iamTemplate: string }, logger: Logger, aslFile: string) {
  if (options.sourceRegion === options.targetRegion) throw new Error('--source-region and --target-region must differ');
  if (options.endpoint === undefined) throw new Error('--iam-template needs --endpoint: an emulator started with --iam-template (AWS has its own IAM)');
  const roles = taskRolesFor(readTemplateFile(options.iamTemplate), aslFile);
  return perRoleDependencies(roles, (credentials) => registryPair({ ...options, quotas: { scale: options.quotaScale }, logger, credentials }));
}

/** One paced registry client per region with the drift read's listings over the same client and pacer. */
export function driftRegistriesFor(options: RegionOptions, logger: Logger): { source: DriftRegistry; target: DriftRegistry } {
  if (options.sourceRegion === options.targetRegion) throw new Error('--source-region and --target-region must differ');
  const common = { ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }), quotas: { scale: options.quotaScale }, logger };
  return { source: createDriftRegistry({ ...common, region: options.sourceRegion }), target: createDriftRegistry({ ...common, region: options.targetRegion }) };
}
