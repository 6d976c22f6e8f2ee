export { ConfigError, readServeConfig, type ServeConfig, serveHelp } from './config.js'
export { type RunningServer, startServer } from './tandem-server.js'
