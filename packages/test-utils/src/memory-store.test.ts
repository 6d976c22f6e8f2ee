import { MemoryStore } from '@tandem/server'
import { runDocStoreContract } from './doc-store-contract.js'

runDocStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})
