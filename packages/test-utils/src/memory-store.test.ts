import { runDocStoreContract } from '@tandem/test-utils'
import { MemoryStore } from './memory-store.js'

runDocStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})
