-- +goose Up
-- The actor's display name as it was when the event happened: a timeline
-- shows who acted even after the person is renamed or removed.
ALTER TABLE events ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN actor_name;
