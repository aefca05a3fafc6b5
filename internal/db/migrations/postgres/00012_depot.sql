-- +goose Up
CREATE SEQUENCE depot_ticket_number_seq;
-- One depot ticket per device per work order. Filterable fields are
-- columns; the rest (stage template, contents, photos) is one JSON body.
CREATE TABLE depot_tickets (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    work_order_id TEXT NOT NULL,
    provider_id   TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    serial        TEXT NOT NULL,
    service_type  TEXT NOT NULL,
    template      TEXT NOT NULL,
    stage         TEXT NOT NULL,
    status        TEXT NOT NULL,
    resale        BOOLEAN NOT NULL DEFAULT FALSE,
    issue_key     TEXT NOT NULL DEFAULT '',
    received_at   TIMESTAMPTZ NOT NULL,
    stage_since   TIMESTAMPTZ NOT NULL,
    ready_at      TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    body          JSONB NOT NULL,
    UNIQUE (work_order_id, device_id)
);
CREATE INDEX depot_tickets_stage ON depot_tickets (status, stage);
CREATE INDEX depot_tickets_device ON depot_tickets (device_id);
CREATE INDEX depot_tickets_serial ON depot_tickets (serial);
CREATE INDEX depot_tickets_issue ON depot_tickets (issue_key);

-- The stage log: every receipt, stage completion, note and release, in order.
CREATE TABLE depot_ticket_log (
    ticket_id  TEXT NOT NULL REFERENCES depot_tickets (id),
    seq        INTEGER NOT NULL,
    stage      TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    body       JSONB NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

-- Stage templates per service type, set by admins; built-in defaults apply
-- to service types without a row.
CREATE TABLE depot_templates (
    service_type TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    stages       JSONB NOT NULL,
    rework       TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT NOT NULL
);

-- Inbound issue-tracker updates already applied, by the tracker's event id.
CREATE TABLE depot_tracker_updates (
    tracker  TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tracker, event_id)
);

-- +goose Down
DROP TABLE depot_tracker_updates;
DROP TABLE depot_templates;
DROP TABLE depot_ticket_log;
DROP TABLE depot_tickets;
DROP SEQUENCE depot_ticket_number_seq;
