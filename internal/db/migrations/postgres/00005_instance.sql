-- +goose Up
-- Installation-wide settings shared by every instance: the generated secret
-- that keys API-key hashes (unless FIELDHUB_SECRET is set) and markers such
-- as whether the demo world was loaded.
CREATE TABLE instance_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE instance_settings;
