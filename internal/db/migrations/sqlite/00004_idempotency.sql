-- +goose Up
-- A replayed response must carry the headers the first one did (Location,
-- ETag, ...), not just its Content-Type: kept as a JSON object of lists.
ALTER TABLE idempotency_keys ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN headers;
