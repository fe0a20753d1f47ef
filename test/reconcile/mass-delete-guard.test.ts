/**
 * The mass-delete guard decides in one place (`massDeleteRefusal` in lib/core/safety.ts): the reconcile
 * run's refusal is that function's, with its limit and its message.
 */
import { massDeleteLimit, massDeleteRefusal } from '../../lib/core/safety';
import { runReconcile } from '../../lib/core/reconcile';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { SOURCE_REGION, TARGET_REGION } from '../support/reference-fleet';

describe('massDeleteRefusal', () => {
  it('refuses above the limit, allows at it, and allows anything with the override', () => {
    expect(massDeleteLimit(35)).toBe(4);
    expect(massDeleteRefusal(4, 35)).toBeUndefined();
    expect(massDeleteRefusal(5, 35)).toEqual({
      reason: 'mass-delete guard: 5 deletes exceed the limit of 4; re-run with allowMassDelete to delete them',
      deletes: 5,
      limit: 4,
    });
    expect(massDeleteRefusal(5, 35, {}, true)).toBeUndefined();
    expect(massDeleteRefusal(3, 1000, { max: 2 })).toMatchObject({ limit: 2, deletes: 3 });
    expect(massDeleteRefusal(1, 0)).toBeUndefined(); // the limit is never below 1
  });

  it('is what a mirror reconcile reports when it refuses its extras', async () => {
    const source = new InMemoryRegistry({ region: SOURCE_REGION });
    const target = new InMemoryRegistry({ region: TARGET_REGION });
    target.seed({ things: Array.from({ length: 12 }, (_, i) => ({ name: `extra-${i}`, attributes: {}, groupNames: [] })) });
    const run = await runReconcile(source, { reader: target, writer: target }, { deleteMode: 'mirror' }, { sourceRegion: SOURCE_REGION, targetRegion: TARGET_REGION });
    expect(run.totals.refused).toEqual(massDeleteRefusal(12, 12));
    expect(run.totals.deleted).toBe(0);
  });
});
