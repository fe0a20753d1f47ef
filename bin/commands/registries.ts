/** The source and target registries a command works on, from its options. */
import { registryPair } from '../../lib/aws/clients';
import { createDriftRegistry, type DriftRegistry } from '../../lib/aws/drift-listings';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import type { Logger } from '../../lib/core/logger';

/** Options every command that touches two regions takes. */
export interface RegionOptions {
  sourceRegion: string;
  targetRegion: string;
  endpoint?: string;
  quotaScale: number;
}

/** One paced registry client per region. */
export function registriesFor(options: RegionOptions, logger: Logger): { source: IotRegistry; target: IotRegistry } {
  if (options.sourceRegion === options.targetRegion) throw new Error('--source-region and --target-region must differ');
  return registryPair({ ...options, quotas: { scale: options.quotaScale }, logger });
}

/** One paced registry client per region with the drift read's listings over the same client and pacer. */
export function driftRegistriesFor(options: RegionOptions, logger: Logger): { source: DriftRegistry; target: DriftRegistry } {
  if (options.sourceRegion === options.targetRegion) throw new Error('--source-region and --target-region must differ');
  const common = { ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }), quotas: { scale: options.quotaScale }, logger };
  return { source: createDriftRegistry({ ...common, region: options.sourceRegion }), target: createDriftRegistry({ ...common, region: options.targetRegion }) };
}
