-- Version 4: the noise gate (docs/measurement.md). A sweep that re-measures the noisy cases of another names it in parent_sweep_id
-- (NULL for every other sweep, and for sweeps stored before this version). A result gains noisy: after the re-measure, TRUE on both
-- the first result and the re-measured one of a case whose coefficient of variation stayed above the limit, FALSE on both when the
-- re-measure settled it; NULL when the gate did not re-measure the case (within the limit, no gate, or stored before this version).
-- Only columns and an index are added: nothing is copied.

ALTER TABLE sweeps ADD COLUMN parent_sweep_id TEXT NULL;
ALTER TABLE results ADD COLUMN noisy BOOLEAN NULL;
CREATE INDEX IF NOT EXISTS ix_sweeps_parent ON sweeps (parent_sweep_id);
