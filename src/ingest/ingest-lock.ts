// Any constant: the PostgreSQL advisory lock that makes one process at a time turn events into
// messages (the ingest loop's batches, and the webhook route's inline processing), so a
// conversation's messages enter its serial job queue in the order they were received.
export const INGEST_LOCK = 727_001;
