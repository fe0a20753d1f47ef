/** The deployable system: the construct, the app's stacks and settings, and the IAM statements they use. */
export { IotRegistrySync } from './iot-registry-sync';
export { IotRegistrySyncPropsSchema, validateIotRegistrySyncProps } from './sync-props';
export type { IotRegistrySyncProps, IotRegistrySyncSettings } from './sync-props';
export { REGISTRY_EVENT_CONFIGURATIONS } from './event-sources';
export { SYNC_DEFINITION_FILE } from './sync-workflow';
export type { SyncFunctionName } from '../events/sync-functions';
export { IotRegistrySyncStack, addIotRegistrySyncStacks } from './iot-registry-sync-stack';
export type { IotRegistrySyncStackProps } from './iot-registry-sync-stack';
export { AppConfigSchema, loadAppConfig, DEFAULT_CONFIG_FILE, PLACEHOLDER_ACCOUNT } from './app-config';
export type { AppConfig, ConfigSources } from './app-config';
export {
  iotArn,
  registryReadStatements,
  registryWriteStatements,
  targetRoleStatements,
  SCOPED_READ_ACTIONS,
  SCOPED_WRITE_ACTIONS,
  UNSCOPED_READ_ACTIONS,
  DRIFT_UNSCOPED_READ_ACTIONS,
  driftReadStatements,
  UNSCOPED_WRITE_ACTIONS,
  ALL_SYNC_IOT_ACTIONS,
} from './registry-permissions';
export type { IotResourceType, RegistryScope } from './registry-permissions';
export { FUNCTION_SIZING } from './function-sizing';
export type { FunctionName, FunctionSizing } from './function-sizing';
