-- Version 8: clusters sharing one database are isolated by their Orleans service id (HyperBench:ServiceId, docs/security.md).
-- A sweep records the service that created it (a noise-gate re-measure inherits its parent's, being created by the same cluster);
-- a silo resumes and leases only its own service's unfinished sweeps. A schedule belongs to one service too: only that service's
-- scheduler fires it. Rows stored before this version get the default service id, "hyperbench".
-- Only ADD COLUMN and CREATE INDEX: nothing is copied or lost.

ALTER TABLE sweeps ADD COLUMN service_id TEXT NOT NULL DEFAULT 'hyperbench';
ALTER TABLE schedules ADD COLUMN service_id TEXT NOT NULL DEFAULT 'hyperbench';
CREATE INDEX IF NOT EXISTS ix_sweeps_service_status ON sweeps (service_id, status);
