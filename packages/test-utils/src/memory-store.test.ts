import { MemoryStore } from '@tandem/server'
import { runAccessRecordsContract } from './access-records-contract.js'
import { runDocStoreContract } from './doc-store-contract.js'
import { runHistoryStoreContract } from './history-store-contract.js'

runDocStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})

runAccessRecordsContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})

runHistoryStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})
