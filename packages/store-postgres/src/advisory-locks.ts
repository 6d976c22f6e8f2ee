// Every advisory lock this package takes uses PostgreSQL's two-key form, pg_advisory_xact_lock(int, int): the first
// key says what the lock is for, so Tandem's locks never collide with each other or with an application's locks
// of the one-key (bigint) form, which PostgreSQL keeps in a separate key space. All are transaction-scoped: they
// are released by COMMIT or ROLLBACK, also when the connection drops, so a crashed instance never holds one.

/**
 * The class key of the lock that serializes schema migrations, taken with the fixed second key
 * {@link SCHEMA_LOCK_KEY}. 0x54414e44 is "TAND" in ASCII.
 *
 * @internal
 */
export const SCHEMA_LOCK_CLASS = 0x54414e44

/** @internal */
export const SCHEMA_LOCK_KEY = 1

/**
 * The class key of the per-document compaction lock, taken with `hashtext(name)` as the second key: the hash is
 * computed by the database, so every instance agrees on it. Two names with the same hash only make their
 * compactions wait for each other. 0x54414e45 is "TANE" in ASCII.
 *
 * @internal
 */
export const COMPACTION_LOCK_CLASS = 0x54414e45

/**
 * The class key of the per-name lock, with `hashtext(name)` as the second key: appends and compactions take it
 * shared (they never wait for each other), renames, moves to the trash, restores and purges exclusive, so a write
 * of another instance lands either before a rename (and moves with the document) or after it (and follows the
 * old name to the document), never under the old name after it moved. 0x54414e46 is "TANF" in ASCII.
 *
 * @internal
 */
export const NAME_LOCK_CLASS = 0x54414e46
