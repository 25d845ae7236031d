-- Version 3: GPU telemetry joined to results. A result gains the wall-clock start and end of its case (NULL for rows stored
-- before this version) and, when its device was not sampled, why not (telemetry_note: 'cpu device', 'NVML unavailable: ...').
-- telemetry_samples holds the device's readings while the case ran, in the order taken (ordinal from 0): clocks, temperature,
-- power and NVML's clocks-throttle-reasons bitmask, with throttled = any reason but idle, application clocks and display clocks
-- (docs/telemetry.md). A quantity the device does not report is NULL. Only columns and a table are added: nothing is copied.

ALTER TABLE results ADD COLUMN started_at_ms BIGINT NULL;
ALTER TABLE results ADD COLUMN ended_at_ms BIGINT NULL;
ALTER TABLE results ADD COLUMN telemetry_note TEXT NULL;

CREATE TABLE IF NOT EXISTS telemetry_samples (
    sweep_id          TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    ordinal           INTEGER NOT NULL,
    sampled_at_ms     BIGINT NOT NULL,
    sm_clock_mhz      INTEGER NULL,
    memory_clock_mhz  INTEGER NULL,
    temperature_c     INTEGER NULL,
    power_w           DOUBLE PRECISION NULL,
    throttle_reasons  BIGINT NULL,
    throttled         BOOLEAN NOT NULL,
    PRIMARY KEY (sweep_id, case_id, ordinal),
    FOREIGN KEY (sweep_id, case_id) REFERENCES results (sweep_id, case_id) ON DELETE CASCADE
);
-- Dashboards plot readings over time across cases.
CREATE INDEX IF NOT EXISTS ix_telemetry_samples_time ON telemetry_samples (sampled_at_ms);
