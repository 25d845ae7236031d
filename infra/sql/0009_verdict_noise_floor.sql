-- Version 9: what a verdict was judged against (docs/regressions.md, "Verdict rules"). regression_verdicts gains each side's
-- robust CV (1.4826 x MAD / median, what the noise gate reads), history_runs (how many earlier runs of the case its noise floor
-- was learned from), noise_floor (one between-run standard deviation of the change of the median; NULL with too little
-- history) and applied_threshold (the effect threshold actually applied: max(effect_threshold, (1 + floor)^k - 1), or
-- effect_threshold without a floor) and noise_k (k). Rows stored before this version keep NULL in all of them.
-- Only ADD COLUMN: a database at an earlier version keeps every row.

ALTER TABLE regression_verdicts ADD COLUMN baseline_robust_cv DOUBLE PRECISION NULL;
ALTER TABLE regression_verdicts ADD COLUMN candidate_robust_cv DOUBLE PRECISION NULL;
ALTER TABLE regression_verdicts ADD COLUMN history_runs INTEGER NULL;
ALTER TABLE regression_verdicts ADD COLUMN noise_floor DOUBLE PRECISION NULL;
ALTER TABLE regression_verdicts ADD COLUMN applied_threshold DOUBLE PRECISION NULL;
ALTER TABLE regression_verdicts ADD COLUMN noise_k DOUBLE PRECISION NULL;
