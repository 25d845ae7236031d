-- Version 10: reference samples (docs/measurement.md, "Reference samples"). With --reference a CPU device times a frozen reference
-- workload right after each sample: samples gains reference_seconds (that run's time, NULL when none was taken) and statistics
-- gains reference_median_seconds (their median). A comparison whose two sides both have one judges each case as a ratio to it
-- (docs/regressions.md); regression_verdicts gains raw_change, the change of the plain medians (NULL when the verdict was not
-- judged on the ratio: then change is the plain one).
-- Only ADD COLUMN: a database at an earlier version keeps every row.

ALTER TABLE samples ADD COLUMN reference_seconds DOUBLE PRECISION NULL;
ALTER TABLE statistics ADD COLUMN reference_median_seconds DOUBLE PRECISION NULL;
ALTER TABLE regression_verdicts ADD COLUMN raw_change DOUBLE PRECISION NULL;
