import { type StoreArgumentChecks, storeArgumentChecks } from '@tandem/server'

/** @internal */
export const check: StoreArgumentChecks = storeArgumentChecks('SqliteStore')
