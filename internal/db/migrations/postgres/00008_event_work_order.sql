-- +goose Up
-- The work order an event concerns, when its subject is something under a
-- work order (a job, a depot ticket): the work order's timeline reads every
-- event of the order and of the things done for it.
ALTER TABLE events ADD COLUMN work_order_id TEXT;
UPDATE events SET work_order_id = subject_id WHERE subject_type = 'work_order';
CREATE INDEX events_work_order ON events (work_order_id, seq);

-- +goose Down
DROP INDEX events_work_order;
ALTER TABLE events DROP COLUMN work_order_id;
