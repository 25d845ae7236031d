-- HyperBench results schema, version 1. The same text runs on SQLite and PostgreSQL (see README.md here).
-- Times are UTC milliseconds since the Unix epoch (BIGINT): one representation both databases and Dapper agree on,
-- and the one Grafana reads as a time column directly.

CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id          TEXT PRIMARY KEY,
    tag               TEXT NULL,
    plan_json         TEXT NOT NULL,
    measurement_json  TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled')),
    created_at_ms     BIGINT NOT NULL,
    finished_at_ms    BIGINT NULL,
    case_count        INTEGER NOT NULL,
    done_count        INTEGER NOT NULL DEFAULT 0,
    failed_count      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_sweeps_created ON sweeps (created_at_ms);
CREATE INDEX IF NOT EXISTS ix_sweeps_status ON sweeps (status);

-- Scheduling state of each case: survives a silo restart so a resumed sweep knows what is left.
CREATE TABLE IF NOT EXISTS sweep_cases (
    sweep_id             TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    case_id              TEXT NOT NULL,
    ordinal              INTEGER NOT NULL,
    case_json            TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'failed', 'cancelled')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    lease_id             TEXT NULL,
    device_key           TEXT NULL,
    lease_expires_at_ms  BIGINT NULL,
    error                TEXT NULL,
    updated_at_ms        BIGINT NOT NULL,
    PRIMARY KEY (sweep_id, case_id)
);
CREATE INDEX IF NOT EXISTS ix_sweep_cases_ordinal ON sweep_cases (sweep_id, ordinal);

-- One row per fingerprint (every field but the capture time), keyed by its hash, so 10k results share one row.
CREATE TABLE IF NOT EXISTS environments (
    environment_id          TEXT PRIMARY KEY,
    host_name               TEXT NOT NULL,
    os                      TEXT NOT NULL,
    architecture            TEXT NOT NULL,
    cpu_model               TEXT NOT NULL,
    logical_cores           INTEGER NOT NULL,
    dotnet_version          TEXT NOT NULL,
    ilgpu_version           TEXT NOT NULL,
    hyperbench_version      TEXT NOT NULL,
    git_commit              TEXT NOT NULL,
    device_id               TEXT NOT NULL,
    device_name             TEXT NOT NULL,
    device_memory_bytes     BIGINT NOT NULL,
    device_detail           TEXT NOT NULL,
    device_peak_fp32_flops  DOUBLE PRECISION NOT NULL,
    first_captured_at_ms    BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS devices (
    device_key       TEXT PRIMARY KEY,
    device_name      TEXT NOT NULL,
    memory_bytes     BIGINT NOT NULL,
    detail           TEXT NOT NULL,
    host_name        TEXT NOT NULL,
    last_seen_at_ms  BIGINT NOT NULL
);

-- Keyed by (sweep, case): a retried case is never stored twice (inserts use ON CONFLICT DO NOTHING).
-- The case's fields are copied here so that reports and dashboards need no JSON parsing.
CREATE TABLE IF NOT EXISTS results (
    sweep_id               TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    case_id                TEXT NOT NULL,
    kernel                 TEXT NOT NULL,
    n                      INTEGER NOT NULL,
    causal                 BOOLEAN NOT NULL,
    pass                   TEXT NOT NULL,
    batch                  INTEGER NOT NULL,
    heads                  INTEGER NOT NULL,
    d                      INTEGER NOT NULL,
    dtype                  TEXT NOT NULL,
    distribution           TEXT NOT NULL,
    seed                   BIGINT NOT NULL,
    hyper_parameters       TEXT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('ok', 'invalid', 'failed')),
    error                  TEXT NULL,
    invalid_reason         TEXT NULL,
    attempt                INTEGER NOT NULL,
    device_key             TEXT NOT NULL REFERENCES devices (device_key),
    environment_id         TEXT NOT NULL REFERENCES environments (environment_id),
    first_run_seconds      DOUBLE PRECISION NOT NULL,
    flops                  DOUBLE PRECISION NOT NULL,
    tflops                 DOUBLE PRECISION NULL,
    memory_bytes_estimate  BIGINT NOT NULL,
    recorded_at_ms         BIGINT NOT NULL,
    PRIMARY KEY (sweep_id, case_id)
);
CREATE INDEX IF NOT EXISTS ix_results_case ON results (case_id, device_key);

-- Every raw sample, in the order taken (ordinal from 0).
CREATE TABLE IF NOT EXISTS samples (
    sweep_id  TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    ordinal   INTEGER NOT NULL,
    seconds   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (sweep_id, case_id, ordinal),
    FOREIGN KEY (sweep_id, case_id) REFERENCES results (sweep_id, case_id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS statistics (
    sweep_id        TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    sample_count    INTEGER NOT NULL,
    median_seconds  DOUBLE PRECISION NOT NULL,
    mean_seconds    DOUBLE PRECISION NOT NULL,
    min_seconds     DOUBLE PRECISION NOT NULL,
    max_seconds     DOUBLE PRECISION NOT NULL,
    p20_seconds     DOUBLE PRECISION NOT NULL,
    p80_seconds     DOUBLE PRECISION NOT NULL,
    stddev_seconds  DOUBLE PRECISION NOT NULL,
    cv              DOUBLE PRECISION NOT NULL,
    ci_low_seconds  DOUBLE PRECISION NOT NULL,
    ci_high_seconds DOUBLE PRECISION NOT NULL,
    ci_level        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (sweep_id, case_id),
    FOREIGN KEY (sweep_id, case_id) REFERENCES results (sweep_id, case_id) ON DELETE CASCADE
);

-- Per output tensor (o, dq, dk, dv) of an approximate kernel against the exact reference.
CREATE TABLE IF NOT EXISTS accuracy (
    sweep_id            TEXT NOT NULL,
    case_id             TEXT NOT NULL,
    tensor              TEXT NOT NULL CHECK (tensor IN ('o', 'dq', 'dk', 'dv')),
    relative_frobenius  DOUBLE PRECISION NOT NULL,
    spectral_over_v     DOUBLE PRECISION NOT NULL,
    mean_row_cosine     DOUBLE PRECISION NOT NULL,
    heads_measured      INTEGER NOT NULL,
    heads_total         INTEGER NOT NULL,
    reference           TEXT NOT NULL,
    PRIMARY KEY (sweep_id, case_id, tensor),
    FOREIGN KEY (sweep_id, case_id) REFERENCES results (sweep_id, case_id) ON DELETE CASCADE
);
