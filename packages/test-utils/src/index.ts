export { type AccessRecordsUnderTest, runAccessRecordsContract } from './access-records-contract.js'
export { type Balancer, startBalancer } from './balancer.js'
export { type ClientOptions, connectClient, type TestClient, waitFor } from './clients.js'
export { runDocStoreContract, type StoreUnderTest } from './doc-store-contract.js'
export { type HistoryStoreUnderTest, type HistoryUnderTest, runHistoryStoreContract } from './history-store-contract.js'
export {
  type DocumentedNginxOptions,
  documentedNginxConfig,
  makeCertificate,
  type NginxProcess,
  startNginx,
  type TestCertificate,
} from './nginx.js'
export { type PostgresServer, type PostgresServerOptions, startPostgres } from './postgres-server.js'
export { type CloseInfo, openRawClient, type RawClient, type WebSocketOptions } from './raw-client.js'
export { type RedisServer, startRedis } from './redis-server.js'
export { freePort, type ReferenceServer, startReferenceServer } from './reference-server.js'
export { repoRoot, startTandem, type TandemProcess, type TandemProcessOptions, tandemCli } from './server-process.js'
export { type StaticServer, startStaticServer } from './static-server.js'
export { storedDoc } from './stored-doc.js'
export { storedText } from './stored-text.js'
export { useTestClients } from './test-clients.js'
export { startThrottledProxy, type ThrottledProxy } from './throttled-proxy.js'
export { mintToken, type TestTokenOptions } from './tokens.js'
export {
  type ReceivedDelivery,
  type ReceiverAnswer,
  startWebhookReceiver,
  type WebhookReceiver,
} from './webhook-receiver.js'
