/** The local pipeline under the synthesized IAM: template reading, request mapping, evaluation, per-role credentials. */
export { IamSettingsSchema, LOCAL_SESSION_NAME, TemplateAuthorizer, type AccessDenial, type IamSettings } from './authorizer';
export { iotAuthorizationRequest, UnmappedRequestError, type IotAuthorizationRequest, type IotRequest } from './iot-actions';
export { perRoleDependencies, readTemplateFile, roleCredentials, stackRegionOf, targetRegionOf, taskRolesFor } from './task-roles';
export {
  IntrinsicResolver,
  parseTemplate,
  rolesOfTemplate,
  taskRoles,
  TemplateResolutionError,
  type CloudFormationTemplate,
  type PolicyDocument,
  type StackEnvironment,
  type TemplateRole,
} from './template';
