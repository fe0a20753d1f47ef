/**
 * Memory and timeout of each Lambda, in one place with no CDK import, so that the construct deploys
 * them and bench/cost.ts prices them from the same numbers.
 */

/** Memory (MB) and timeout (s) of one function. */
export interface FunctionSizing {
  memoryMb: number;
  timeoutSeconds: number;
}

/**
 * The sync handlers pace their IoT calls at the quotas and back off on throttling, so their timeouts are
 * generous; 512 MB buys the CPU share that parsing and the SDK need (Lambda CPU scales with memory).
 */
export const FUNCTION_SIZING = {
  ResolveChange: { memoryMb: 512, timeoutSeconds: 90 },
  SyncThingType: { memoryMb: 512, timeoutSeconds: 180 },
  SyncThingGroup: { memoryMb: 512, timeoutSeconds: 180 },
  SyncPolicy: { memoryMb: 512, timeoutSeconds: 180 },
  SyncCertificate: { memoryMb: 512, timeoutSeconds: 180 },
  SyncThing: { memoryMb: 512, timeoutSeconds: 180 },
  SyncAttachments: { memoryMb: 512, timeoutSeconds: 180 },
  FinishSync: { memoryMb: 256, timeoutSeconds: 60 },
  ForwardRegistryEvent: { memoryMb: 256, timeoutSeconds: 30 },
  // A step lists pages or works through a stage for up to 240 s (lib/core/reconcile settings).
  ReconcileStep: { memoryMb: 1024, timeoutSeconds: 600 },
  // One page of up to 250 things, paced at a quarter of each quota (four pages run at once).
  ReconcilePage: { memoryMb: 1024, timeoutSeconds: 900 },
  // A chunk is sized to take about 250 s at the default quotas.
  DriftReadChunk: { memoryMb: 1024, timeoutSeconds: 900 },
  // Compares one keyed partition at a time (lib/core/drift-partition.ts): about 0.8 GB and 460 s at a million devices (docs/performance.md).
  DriftFinish: { memoryMb: 3008, timeoutSeconds: 900 },
} as const satisfies Record<string, FunctionSizing>;

/** A function the construct deploys. */
export type FunctionName = keyof typeof FUNCTION_SIZING;
