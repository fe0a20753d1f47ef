/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. Settings come from iot-registry-sync.config.json
 * (or `-c config=<path>`) and CDK context (`-c targetRegion=eu-west-1`); `-c nag=true` adds the cdk-nag
 * AwsSolutions checks. See the README's "Deploy to AWS".
 */
import { App, Annotations, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addIotRegistrySyncStacks, loadAppConfig } from '../lib/infra';
import { addFailoverStacks } from '../lib/infra/failover/stacks';

const app = new App();
const config = loadAppConfig({ context: (key) => app.node.tryGetContext(key), env: process.env });
const syncStacks = addIotRegistrySyncStacks(app, config);
// The failover stacks, when the config has a `failover` section (docs/failover.md).
const stacks = [...syncStacks, ...addFailoverStacks(app, config, syncStacks[0]!)];
if (config.accountIsPlaceholder) {
  for (const stack of stacks) {
    Annotations.of(stack).addWarningV2(
      'iot-registry-sync:placeholderAccount',
      `No account configured (config "account", or AWS credentials for CDK_DEFAULT_ACCOUNT): synthesized for the placeholder ${config.account}; do not deploy this template.`,
    );
  }
}
// `-c nag=true`: run cdk-nag's AwsSolutions pack at synth; a finding without an acknowledgement fails it.
if (app.node.tryGetContext('nag') === true || app.node.tryGetContext('nag') === 'true') {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
app.synth();
