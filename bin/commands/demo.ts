/** `iot-registry-sync demo` (and `npm start`). */
import { runDemo } from '../../lib/local/demo';
import { readTemplateFile } from '../../lib/local/iam';

/** Runs the demo; exit code 0 when the secondary converged, 2 when differences remain. */
export async function runDemoCommand(options: { devices: number; quotaScale: number; iamTemplate?: string }): Promise<number> {
  const result = await runDemo({
    devices: options.devices,
    quotaScale: options.quotaScale,
    ...(options.iamTemplate === undefined ? {} : { iamTemplate: readTemplateFile(options.iamTemplate) }),
  });
  const failoverOk = result.failover === undefined || result.failover.drill.reconnectedToSecondary === result.failover.devices;
  return result.differences === 0 && result.executions.failed === 0 && failoverOk ? 0 : 2;
}
