/** The pure core's public surface. */
export * from './model';
export type * from './port';
export * from './errors';
export * from './keys';
export * from './logger';
export * from './policy-document';
export * from './provisioning-template';
export * from './indexing';
export * from './safety';
export * from './diff';
export * from './plan';
export * from './apply';
export * from './scope';
export * from './sync';
