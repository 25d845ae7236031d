-- Version 2: a case the scheduler decides not to run (no device can hold it) is 'skipped', with its reason in skip_reason; before,
-- it was 'failed' with a result row of a made-up device named "scheduler". Sweeps count their skipped cases.
-- SQLite cannot change a CHECK constraint in place, so sweep_cases is rebuilt: the same text then runs on both databases. Nothing
-- references sweep_cases, and every row is copied (existing statuses are all still allowed).

CREATE TABLE sweep_cases_v2 (
    sweep_id             TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    case_id              TEXT NOT NULL,
    ordinal              INTEGER NOT NULL,
    case_json            TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'failed', 'cancelled', 'skipped')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    lease_id             TEXT NULL,
    device_key           TEXT NULL,
    lease_expires_at_ms  BIGINT NULL,
    error                TEXT NULL,
    skip_reason          TEXT NULL,
    updated_at_ms        BIGINT NOT NULL,
    PRIMARY KEY (sweep_id, case_id)
);
INSERT INTO sweep_cases_v2 (sweep_id, case_id, ordinal, case_json, status, attempts, lease_id, device_key, lease_expires_at_ms, error, updated_at_ms)
    SELECT sweep_id, case_id, ordinal, case_json, status, attempts, lease_id, device_key, lease_expires_at_ms, error, updated_at_ms FROM sweep_cases;
DROP TABLE sweep_cases;
ALTER TABLE sweep_cases_v2 RENAME TO sweep_cases;
CREATE INDEX IF NOT EXISTS ix_sweep_cases_ordinal ON sweep_cases (sweep_id, ordinal);

ALTER TABLE sweeps ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;
