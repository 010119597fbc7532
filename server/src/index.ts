/** What the CLI starts the server with: the configuration, and serve, migrate and recover. */
export { ConfigError, loadConfig, type Config } from './config.js';
export { migrateDatabase, recoverOnce, serve, type DemoReport, type FullRecoveryReport, type RecoveryReport, type RunningServer, type ServeOptions } from './server.js';
