export {
  ConfigError,
  DEFAULT_SFU_PORT,
  defaultSfuConfig,
  readSfuConfigFromEnv,
  resolveSfuConfig,
  type SfuConfig,
  type SfuOptions,
} from './config/sfu-config';
export { type SfuHandle, startSfu } from './start-sfu';
export type { DriverChannelStats, ProducerStats, RoomStats, SfuStats, WorkerStats } from './stats/collect-stats';
export * from './tokens';
export type { RtcPorts } from './workers/worker-pool';
