-- Version 5: regression verdicts (docs/regressions.md). One row per case of one comparison (`hyperbench compare`): which two
-- sweeps, the case's fields copied for dashboards, each side's sample count, median and CV, the change of the median
-- (candidate / baseline - 1; positive is slower), the two-sided Mann-Whitney p-value (NULL when too few samples to test), the
-- verdict, HyperAttention's relative error on each side and its change, and the thresholds the verdict was decided with.
-- label / labelled_at_ms / label_note stay NULL until someone marks a verdict a true or false positive (detector quality).
-- Only CREATE TABLE and indexes: a database at an earlier version keeps every row.

CREATE TABLE IF NOT EXISTS regression_verdicts (
    comparison_id             TEXT NOT NULL,
    baseline_sweep_id         TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    candidate_sweep_id        TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    case_id                   TEXT NOT NULL,
    kernel                    TEXT NOT NULL,
    n                         INTEGER NOT NULL,
    causal                    BOOLEAN NOT NULL,
    pass                      TEXT NOT NULL,
    dtype                     TEXT NOT NULL,
    baseline_samples          INTEGER NOT NULL,
    candidate_samples         INTEGER NOT NULL,
    baseline_median_seconds   DOUBLE PRECISION NULL,
    candidate_median_seconds  DOUBLE PRECISION NULL,
    change                    DOUBLE PRECISION NULL,
    p_value                   DOUBLE PRECISION NULL,
    baseline_cv               DOUBLE PRECISION NULL,
    candidate_cv              DOUBLE PRECISION NULL,
    verdict                   TEXT NOT NULL CHECK (verdict IN ('faster', 'slower', 'same', 'noisy', 'insufficient')),
    baseline_relative_error   DOUBLE PRECISION NULL,
    candidate_relative_error  DOUBLE PRECISION NULL,
    error_change              DOUBLE PRECISION NULL,
    error_regressed           BOOLEAN NOT NULL,
    detail                    TEXT NOT NULL,
    effect_threshold          DOUBLE PRECISION NOT NULL,
    alpha                     DOUBLE PRECISION NOT NULL,
    cv_limit                  DOUBLE PRECISION NOT NULL,
    error_threshold           DOUBLE PRECISION NOT NULL,
    error_floor               DOUBLE PRECISION NOT NULL,
    decided_at_ms             BIGINT NOT NULL,
    label                     TEXT NULL CHECK (label IN ('true_positive', 'false_positive')),
    labelled_at_ms            BIGINT NULL,
    label_note                TEXT NULL,
    PRIMARY KEY (comparison_id, case_id)
);
-- Dashboards read verdicts by time and by case; compare and history look a sweep's verdicts up.
CREATE INDEX IF NOT EXISTS ix_regression_verdicts_decided ON regression_verdicts (decided_at_ms);
CREATE INDEX IF NOT EXISTS ix_regression_verdicts_case ON regression_verdicts (case_id, decided_at_ms);
CREATE INDEX IF NOT EXISTS ix_regression_verdicts_candidate ON regression_verdicts (candidate_sweep_id);
