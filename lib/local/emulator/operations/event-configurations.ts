/** DescribeEventConfigurations / UpdateEventConfigurations: which registry event types a region publishes. */
import { seconds, type OperationTable } from '../context';
import { invalidRequest } from '../errors';
import { optionalObject } from '../input';
import { EVENT_CONFIG_KEYS, type EventConfigKey } from '../state';

/** The handlers of the event-configuration family. */
export const eventConfigurationOperations: OperationTable = {
  DescribeEventConfigurations(ctx) {
    const cfg = ctx.state.eventConfig;
    return {
      body: {
        eventConfigurations: Object.fromEntries(EVENT_CONFIG_KEYS.map((k) => [k, { Enabled: cfg.enabled[k] }])),
        creationDate: seconds(cfg.creationDate),
        lastModifiedDate: seconds(cfg.lastModifiedDate),
      },
    };
  },

  UpdateEventConfigurations(ctx, input) {
    const changes = optionalObject(input, 'eventConfigurations') ?? {};
    const updates: [EventConfigKey, boolean][] = [];
    for (const [key, value] of Object.entries(changes)) {
      if (!(EVENT_CONFIG_KEYS as readonly string[]).includes(key)) throw invalidRequest(`Invalid event type: ${key}`);
      const enabled = (value as { Enabled?: unknown } | null)?.Enabled;
      if (enabled !== undefined && typeof enabled !== 'boolean') throw invalidRequest(`${key}.Enabled must be a boolean`);
      if (enabled !== undefined) updates.push([key as EventConfigKey, enabled]);
    }
    for (const [key, enabled] of updates) ctx.state.eventConfig.enabled[key] = enabled;
    ctx.state.eventConfig.lastModifiedDate = ctx.now;
    return { body: {} };
  },
};
