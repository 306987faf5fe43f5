import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database-types.ts';

/** What a query runs on: the database, or a transaction on it. */
export type Executor = Kysely<Database> | Transaction<Database>;
