export {
  ConfigError,
  DEFAULT_SFU_PORT,
  defaultSfuConfig,
  readSfuConfigFromEnv,
  resolveSfuConfig,
  type SfuConfig,
  type SfuOptions,
} from './config/SfuConfig';
export { type SfuHandle, startSfu } from './startSfu';
export type { DriverChannelStats, ProducerStats, RoomStats, SfuStats, WorkerStats } from './stats/collectStats';
export * from './tokens';
