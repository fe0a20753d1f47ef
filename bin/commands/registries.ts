/** The source and target registries a command works on, from its options. */
import { registryPair } from '../../lib/aws/clients';
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
