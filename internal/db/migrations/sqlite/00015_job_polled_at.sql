-- +goose Up
-- When fieldhub last asked a job's field platform about it. The poll reads
-- open jobs least recently polled (or never) first, so a run cut short by
-- its time budget is continued by the next, not repeated.
ALTER TABLE jobs ADD COLUMN polled_at TEXT;
CREATE INDEX jobs_poll ON jobs (polled_at, id)
    WHERE platform <> '' AND external_id <> '' AND status IN ('posted', 'awarded', 'scheduled', 'en_route', 'on_site');

-- +goose Down
DROP INDEX jobs_poll;
ALTER TABLE jobs DROP COLUMN polled_at;
