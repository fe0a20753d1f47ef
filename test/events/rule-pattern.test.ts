import { matchesRegistryTopicRule, matchesTopicFilter, REGISTRY_TOPIC_FILTERS, registryTopicRuleSql } from '../../lib/events/rule-pattern';
import { normaliseEvent } from '../../lib/events/normalise';
import membershipAdded from '../fixtures/events/registry-thing-group-membership-added.json';

/** Every registry-event topic form AWS documents (registry-events.html, reserved-topics.html). */
const REGISTRY_TOPICS = [
  '$aws/events/thing/sensor-1/created',
  '$aws/events/thing/sensor-1/updated',
  '$aws/events/thing/sensor-1/deleted',
  '$aws/events/thingType/meter/updated',
  '$aws/events/thingTypeAssociation/thing/sensor-1/thingType/meter/added',
  '$aws/events/thingTypeAssociation/thing/sensor-1/meter',
  '$aws/events/thingGroup/floor-1/created',
  '$aws/events/thingGroupMembership/thingGroup/floor-1/thing/sensor-1/added',
  '$aws/events/thingGroupHierarchy/thingGroup/building-7/childThingGroup/floor-1/removed',
];

/** Lifecycle topics of every device (life-cycle-events.html): `$aws/events/#` would read them all. */
const LIFECYCLE_TOPICS = [
  '$aws/events/presence/connected/sensor-1',
  '$aws/events/presence/disconnected/sensor-1',
  '$aws/events/subscriptions/subscribed/sensor-1',
  '$aws/events/subscriptions/unsubscribed/sensor-1',
  '$aws/events/certificates/registered/ca-1',
];

describe('the registry topic rules', () => {
  it.each(REGISTRY_TOPICS)('read %s, and the normaliser names its resource', (topic) => {
    expect(matchesRegistryTopicRule(topic)).toBe(true);
    const event = { ...membershipAdded, detail: { ...membershipAdded.detail, topic, eventType: 'X', operation: 'Y' } };
    expect(normaliseEvent(event).status).toBe('change');
  });

  it.each(LIFECYCLE_TOPICS)('do not read the lifecycle topic %s', (topic) => {
    expect(matchesRegistryTopicRule(topic)).toBe(false);
  });

  it('select from one family filter each, with the topic', () => {
    expect(registryTopicRuleSql('thing')).toBe("SELECT *, topic() AS topic FROM '$aws/events/thing/+/+'");
    expect(Object.keys(REGISTRY_TOPIC_FILTERS)).toHaveLength(6);
  });
});

describe('matchesTopicFilter', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a/b/c', true],
    ['a/#', 'a', true], // MQTT: '#' also matches the parent level
    ['a/b', 'a/b', true],
  ])('matches filter %s against %s: %s', (filter, topic, expected) => {
    expect(matchesTopicFilter(filter, topic)).toBe(expected);
  });
});
