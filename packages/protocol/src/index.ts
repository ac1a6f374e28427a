export * from './errors';
export * from './validate';
export * from './signaling';
export * from './signaling-limits';
