-- +goose Up
-- The device master: one row per serialised unit or component. A serial is
-- unique per manufacturer and model (compared without case on those two).
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    serial       TEXT NOT NULL,
    model        TEXT NOT NULL,
    manufacturer TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    owner_kind   TEXT NOT NULL CHECK (owner_kind IN ('customer', 'company')),
    owner_name   TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    parent_id    TEXT REFERENCES devices (id),
    loaner       BOOLEAN NOT NULL DEFAULT FALSE,
    resale       BOOLEAN NOT NULL DEFAULT FALSE,
    region       TEXT NOT NULL DEFAULT '',
    attributes   JSONB NOT NULL DEFAULT '{}',
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX devices_identity ON devices (lower(manufacturer), lower(model), serial);
CREATE INDEX devices_serial ON devices (serial);
CREATE INDEX devices_status ON devices (status, id);
CREATE INDEX devices_parent ON devices (parent_id);
CREATE INDEX devices_loaner_region ON devices (loaner, region, status);

-- One ordered, append-only history per device, fed by every area. A row
-- made from an event keeps its id, so a repeated delivery adds nothing.
CREATE TABLE device_history (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id     TEXT NOT NULL REFERENCES devices (id),
    at            TIMESTAMPTZ NOT NULL,
    type          TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_name    TEXT NOT NULL DEFAULT '',
    work_order_id TEXT,
    ref           TEXT NOT NULL DEFAULT '',
    detail        JSONB NOT NULL DEFAULT '{}',
    event_id      TEXT
);
CREATE INDEX device_history_device ON device_history (device_id, seq);
CREATE UNIQUE INDEX device_history_event ON device_history (device_id, event_id);
-- +goose StatementBegin
CREATE FUNCTION device_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'device_history is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER device_history_append_only BEFORE UPDATE OR DELETE ON device_history
    FOR EACH ROW EXECUTE FUNCTION device_history_append_only();

-- Loans of loaner devices: at most one open (not returned) per device.
CREATE TABLE device_loans (
    id                  TEXT PRIMARY KEY,
    device_id           TEXT NOT NULL REFERENCES devices (id),
    work_order_id       TEXT NOT NULL,
    customer            TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL,
    due_on              TEXT NOT NULL,
    due_at              TIMESTAMPTZ NOT NULL,
    assigned_at         TIMESTAMPTZ NOT NULL,
    returned_at         TIMESTAMPTZ,
    inspected_at        TIMESTAMPTZ,
    inspection_passed   BOOLEAN,
    reminded_at         TIMESTAMPTZ,
    overdue_notified_at TIMESTAMPTZ,
    days_overdue        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX device_loans_open ON device_loans (device_id) WHERE returned_at IS NULL;
CREATE INDEX device_loans_due ON device_loans (due_at) WHERE returned_at IS NULL;
CREATE INDEX device_loans_work_order ON device_loans (work_order_id);

-- +goose Down
DROP TABLE device_loans;
DROP TABLE device_history;
DROP FUNCTION device_history_append_only;
DROP TABLE devices;
