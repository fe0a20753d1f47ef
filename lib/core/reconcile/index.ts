/** The streaming reconcile: settings and cursor, units of work, the in-process driver. */
export * from './settings';
export * from './engine';
export * from './run';
export * from './lists-first';
