export { runDocStoreContract, type StoreUnderTest } from './doc-store-contract.js'
