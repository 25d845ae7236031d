-- Version 7: scaling studies (docs/scaling.md). A study is one `hyperbench scaling` run: its kind (strong, weak or throughput),
-- the layer it splits (layer_json: kernel, n, batch, heads, d, mask, pass, dtype as a plan grid), the device counts it ran (ks,
-- e.g. "1,2"), its repeats, where it ran (target: in-process or the cluster) and the device models it ran on. Each repeat of each k is
-- one sweep (a gang of k shards for strong and weak; a batch of small cases restricted to k devices for throughput) and one row of
-- scaling_points: its end-to-end seconds (the sweep's submission to its completion, orchestration included), the devices and their
-- models. Speed-up and efficiency are computed from these seconds when read, never stored. Only CREATE TABLE and indexes.

CREATE TABLE IF NOT EXISTS scaling_studies (
    study_id         TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('strong', 'weak', 'throughput')),
    status           TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    layer_json       TEXT NOT NULL,
    ks               TEXT NOT NULL,
    repeats          INTEGER NOT NULL,
    target           TEXT NOT NULL,
    device_models    TEXT NULL,
    tag              TEXT NULL,
    created_at_ms    BIGINT NOT NULL,
    finished_at_ms   BIGINT NULL,
    detail           TEXT NULL
);

CREATE TABLE IF NOT EXISTS scaling_points (
    study_id         TEXT NOT NULL REFERENCES scaling_studies (study_id) ON DELETE CASCADE,
    k                INTEGER NOT NULL,
    repetition       INTEGER NOT NULL,
    sweep_id         TEXT NOT NULL,
    seconds          DOUBLE PRECISION NOT NULL,
    cases            INTEGER NOT NULL,
    device_keys      TEXT NOT NULL,
    device_models    TEXT NOT NULL,
    recorded_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (study_id, k, repetition)
);
CREATE INDEX IF NOT EXISTS ix_scaling_points_sweep ON scaling_points (sweep_id);
