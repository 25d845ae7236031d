-- Version 6: schedules (docs/schedules.md). A schedule is a name, a cron expression (five fields, UTC), the plan it runs (plan file
-- JSON) and, optionally, the baseline its runs are compared with (a compare spec; NULL: the schedule's previous run).
-- schedule_runs holds one row per due time: the primary key (schedule_name, due_at_ms) decides, with an insert that does nothing
-- on conflict, which silo (or `schedule run-now`) runs a due time; every other one sees the row and leaves it. `compare schedule:NAME`
-- and `history --schedule` read (schedule_name, sweep_id, due_at_ms). Only CREATE TABLE and indexes: earlier rows are kept.

CREATE TABLE IF NOT EXISTS schedules (
    name           TEXT PRIMARY KEY,
    cron           TEXT NOT NULL,
    plan_json      TEXT NOT NULL,
    baseline       TEXT NULL,
    created_at_ms  BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS schedule_runs (
    schedule_name  TEXT NOT NULL,
    due_at_ms      BIGINT NOT NULL,
    sweep_id       TEXT NULL,
    started_at_ms  BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('started', 'completed', 'failed')),
    comparison_id  TEXT NULL,
    detail         TEXT NULL,
    PRIMARY KEY (schedule_name, due_at_ms)
);
CREATE INDEX IF NOT EXISTS ix_schedule_runs_sweep ON schedule_runs (sweep_id);
