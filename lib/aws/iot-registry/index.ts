/**
 * The IoT registry adapter: {@link IotRegistry} implements the `Registry` port of `lib/core/port` over
 * `@aws-sdk/client-iot`, one region per instance. The folder holds one file per question:
 * - `registry.ts`: the port's table of contents, composed from the per-family modules below;
 * - `thing-types.ts`, `thing-groups.ts`, `things.ts`, `certificates.ts` (device and CA),
 *   `policies.ts` (policies and their attachments), `thing-principals.ts`, `provisioning.ts`
 *   (templates, role aliases, fleet indexing, bulk registration tasks): one family each;
 * - `principal-listing.ts`: the one ListThingPrincipalsV2/ListPrincipalThingsV2 → V1 fallback;
 * - `target-arns.ts`: this region's ARN of a certificate or thing group;
 * - `mapping.ts`: the SDK's answers as the model, validated;
 * - `account-id.ts`: the account ID, learned from the first ARN when not configured;
 * - `calls.ts`: the edge every call goes through (error translation, pagination, page sizes).
 */
export { IotRegistry, type IotRegistryOptions, type IotRegistryStats } from './registry';
export { MAX_PAGE_SIZE, type AdapterLogger } from './calls';
