/**
 * The provisioning kinds of one region: provisioning templates (with their versions), role aliases, the
 * fleet-indexing configuration, and the things a bulk registration task provisioned.
 */
import {
  CreateProvisioningTemplateCommand,
  CreateProvisioningTemplateVersionCommand,
  CreateRoleAliasCommand,
  DeleteProvisioningTemplateCommand,
  DeleteProvisioningTemplateVersionCommand,
  DeleteRoleAliasCommand,
  DescribeProvisioningTemplateCommand,
  DescribeRoleAliasCommand,
  DescribeThingRegistrationTaskCommand,
  GetIndexingConfigurationCommand,
  ListProvisioningTemplateVersionsCommand,
  paginateListProvisioningTemplates,
  paginateListRoleAliases,
  paginateListThingRegistrationTaskReports,
  UpdateIndexingConfigurationCommand,
  UpdateProvisioningTemplateCommand,
  UpdateRoleAliasCommand,
} from '@aws-sdk/client-iot';
import { mapWithConcurrency } from '../../core/concurrency';
import { UnexpectedServiceError } from '../../core/errors';
import type { IndexingConfiguration, ProvisioningTemplate, RoleAlias } from '../../core/model';
import type { ThingRegistrationTaskThings } from '../../core/port';
import { DESCRIBE_CONCURRENCY, MAX_PAGE_SIZE, type RegistryCalls } from './calls';
import { indexingConfigurationOf, provisioningTemplateOf, roleAliasOf } from './mapping';

/** ListProvisioningTemplates pages hold at most 250 (https://docs.aws.amazon.com/iot/latest/apireference/API_ListProvisioningTemplates.html). */
const TEMPLATE_PAGE_SIZE = 250;
/** Versions a provisioning template may have. */
const MAX_TEMPLATE_VERSIONS = 5;

/** The provisioning-template, role-alias, fleet-indexing and registration-task operations of the port. */
export class ProvisioningKinds {
  constructor(private readonly calls: RegistryCalls) {}

  // ---------------------------------------------------------------- provisioning templates

  async *listTemplates(): AsyncIterable<ProvisioningTemplate> {
    const pages = paginateListProvisioningTemplates({ client: this.calls.client, pageSize: TEMPLATE_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListProvisioningTemplates', 'provisioningTemplates', pages)) {
      const names = (page.templates ?? []).flatMap((t) => (t.templateName ? [t.templateName] : []));
      const templates = await mapWithConcurrency(names, DESCRIBE_CONCURRENCY, (name) => this.getTemplate(name));
      for (const t of templates) if (t) yield t;
    }
  }

  async getTemplate(name: string): Promise<ProvisioningTemplate | undefined> {
    const d = await this.calls.read('DescribeProvisioningTemplate', `provisioningTemplate/${name}`, () =>
      this.calls.client.send(new DescribeProvisioningTemplateCommand({ templateName: name })),
    );
    if (!d) return undefined;
    return provisioningTemplateOf(d, name);
  }

  /** Creates the template; an existing one of the same name is a conflict the next run converges. */
  async createTemplate(t: ProvisioningTemplate): Promise<void> {
    await this.calls.call('CreateProvisioningTemplate', `provisioningTemplate/${t.name}`, () =>
      this.calls.client.send(
        new CreateProvisioningTemplateCommand({
          templateName: t.name,
          templateBody: t.templateBody,
          type: t.type,
          enabled: t.enabled,
          provisioningRoleArn: t.provisioningRoleArn,
          ...(t.description !== undefined ? { description: t.description } : {}),
          ...(t.preProvisioningHook ? { preProvisioningHook: t.preProvisioningHook } : {}),
        }),
      ),
    );
  }

  async updateTemplate(t: ProvisioningTemplate, options: { newBody: boolean }): Promise<void> {
    const key = `provisioningTemplate/${t.name}`;
    if (options.newBody) {
      const create = () =>
        this.calls.call('CreateProvisioningTemplateVersion', key, () =>
          this.calls.client.send(new CreateProvisioningTemplateVersionCommand({ templateName: t.name, templateBody: t.templateBody, setAsDefault: true })),
        );
      try {
        await create();
      } catch (error) {
        // "A provisioning template can have up to five versions" (API_CreateProvisioningTemplateVersion.html):
        // at the limit the oldest non-default version goes, then the version is created again.
        const versions = await this.calls.call('ListProvisioningTemplateVersions', key, () =>
          this.calls.client.send(new ListProvisioningTemplateVersionsCommand({ templateName: t.name })),
        );
        const all = versions.versions ?? [];
        const oldest = all.filter((v) => !v.isDefaultVersion && v.versionId !== undefined).sort((a, b) => (a.versionId ?? 0) - (b.versionId ?? 0))[0];
        if (all.length < MAX_TEMPLATE_VERSIONS || oldest?.versionId === undefined) throw error;
        await this.calls.call('DeleteProvisioningTemplateVersion', `${key}#${oldest.versionId}`, () =>
          this.calls.client.send(new DeleteProvisioningTemplateVersionCommand({ templateName: t.name, versionId: oldest.versionId })),
        );
        await create();
      }
    }
    await this.calls.call('UpdateProvisioningTemplate', key, () =>
      this.calls.client.send(
        new UpdateProvisioningTemplateCommand({
          templateName: t.name,
          enabled: t.enabled,
          provisioningRoleArn: t.provisioningRoleArn,
          // An empty description clears it (UNCONFIRMED: the API reference does not say how to remove one).
          description: t.description ?? '',
          ...(t.preProvisioningHook ? { preProvisioningHook: t.preProvisioningHook } : { removePreProvisioningHook: true }),
        }),
      ),
    );
  }

  async deleteTemplate(name: string): Promise<void> {
    await this.calls.call('DeleteProvisioningTemplate', `provisioningTemplate/${name}`, () =>
      this.calls.client.send(new DeleteProvisioningTemplateCommand({ templateName: name })),
    );
  }

  // ---------------------------------------------------------------- role aliases

  async *listRoleAliases(): AsyncIterable<RoleAlias> {
    const pages = paginateListRoleAliases({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, {});
    for await (const page of this.calls.pages('ListRoleAliases', 'roleAliases', pages)) {
      const aliases = await mapWithConcurrency(page.roleAliases ?? [], DESCRIBE_CONCURRENCY, (name) => this.getRoleAlias(name));
      for (const a of aliases) if (a) yield a;
    }
  }

  async getRoleAlias(name: string): Promise<RoleAlias | undefined> {
    const output = await this.calls.read('DescribeRoleAlias', `roleAlias/${name}`, () =>
      this.calls.client.send(new DescribeRoleAliasCommand({ roleAlias: name })),
    );
    const d = output?.roleAliasDescription;
    if (!d) return undefined;
    return roleAliasOf(d, name);
  }

  async createRoleAlias(alias: RoleAlias): Promise<void> {
    await this.calls.call('CreateRoleAlias', `roleAlias/${alias.name}`, () =>
      this.calls.client.send(new CreateRoleAliasCommand({ roleAlias: alias.name, roleArn: alias.roleArn, credentialDurationSeconds: alias.credentialDurationSeconds })),
    );
  }

  async updateRoleAlias(alias: RoleAlias): Promise<void> {
    await this.calls.call('UpdateRoleAlias', `roleAlias/${alias.name}`, () =>
      this.calls.client.send(new UpdateRoleAliasCommand({ roleAlias: alias.name, roleArn: alias.roleArn, credentialDurationSeconds: alias.credentialDurationSeconds })),
    );
  }

  async deleteRoleAlias(name: string): Promise<void> {
    await this.calls.call('DeleteRoleAlias', `roleAlias/${name}`, () => this.calls.client.send(new DeleteRoleAliasCommand({ roleAlias: name })));
  }

  // ---------------------------------------------------------------- fleet indexing

  async getIndexingConfiguration(): Promise<IndexingConfiguration> {
    const output = await this.calls.call('GetIndexingConfiguration', 'indexingConfiguration', () =>
      this.calls.client.send(new GetIndexingConfigurationCommand({})),
    );
    return indexingConfigurationOf(output);
  }

  async updateIndexingConfiguration(c: IndexingConfiguration): Promise<void> {
    await this.calls.call('UpdateIndexingConfiguration', 'indexingConfiguration', () =>
      this.calls.client.send(
        new UpdateIndexingConfigurationCommand({
          thingIndexingConfiguration: {
            thingIndexingMode: c.thingIndexingMode,
            thingConnectivityIndexingMode: c.thingConnectivityIndexingMode,
            deviceDefenderIndexingMode: c.deviceDefenderIndexingMode,
            namedShadowIndexingMode: c.namedShadowIndexingMode,
            customFields: c.customFields,
            ...(c.namedShadowNames.length > 0 ? { filter: { namedShadowNames: c.namedShadowNames } } : {}),
          },
          thingGroupIndexingConfiguration: { thingGroupIndexingMode: c.thingGroupIndexingMode, customFields: c.thingGroupCustomFields },
        }),
      ),
    );
  }

  // ---------------------------------------------------------------- bulk registration tasks

  async getRegistrationTaskThings(taskId: string): Promise<ThingRegistrationTaskThings | undefined> {
    const key = `thingRegistrationTask/${taskId}`;
    const task = await this.calls.read('DescribeThingRegistrationTask', key, () =>
      this.calls.client.send(new DescribeThingRegistrationTaskCommand({ taskId })),
    );
    if (!task) return undefined;
    const status = task.status ?? 'InProgress';
    if (status === 'InProgress' || status === 'Cancelling') return { status, thingNames: [] };
    const links: string[] = [];
    const pages = paginateListThingRegistrationTaskReports({ client: this.calls.client, pageSize: MAX_PAGE_SIZE }, { taskId, reportType: 'RESULTS' });
    for await (const page of this.calls.pages('ListThingRegistrationTaskReports', key, pages)) links.push(...(page.resourceLinks ?? []));
    const names = new Set<string>();
    for (const link of links) {
      // The links are pre-signed report URLs (AWS: S3); the report lines name each provisioned thing by ARN.
      // UNCONFIRMED: the report's line format; any thing ARN in a line counts.
      const response = await fetch(link);
      if (!response.ok) throw new UnexpectedServiceError(`ListThingRegistrationTaskReports ${key}: report ${link} answered HTTP ${response.status}`);
      for (const m of (await response.text()).matchAll(/arn:[\w-]+:iot:[\w-]+:\d{12}:thing\/([a-zA-Z0-9:_-]+)/g)) names.add(m[1]!);
    }
    return { status, thingNames: [...names].sort() };
  }
}
