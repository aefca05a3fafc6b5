-- +goose Up
CREATE SEQUENCE work_order_number_seq;
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE work_orders (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    provider_id     TEXT NOT NULL REFERENCES providers (id),
    provider_code   TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    service_type    TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    po_number       TEXT NOT NULL DEFAULT '',
    rma_number      TEXT NOT NULL DEFAULT '',
    customer_name   TEXT NOT NULL,
    zip             TEXT NOT NULL,
    state           TEXT NOT NULL,
    requested_start TIMESTAMPTZ,
    appointment_start TIMESTAMPTZ,
    sla_due_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    reopened_from   TEXT REFERENCES work_orders (id),
    version         BIGINT NOT NULL DEFAULT 1,
    -- the parts of a work order that are read whole, never filtered on
    body            JSONB NOT NULL,
    -- the normalised intake request, to tell a repeat from a conflict
    intake          JSONB NOT NULL,
    UNIQUE (provider_id, external_id)
);
CREATE INDEX work_orders_status ON work_orders (status, id);
CREATE INDEX work_orders_provider ON work_orders (provider_id, id);
CREATE INDEX work_orders_created ON work_orders (created_at);
CREATE INDEX work_orders_zip ON work_orders (zip);
CREATE INDEX work_orders_sla ON work_orders (sla_due_at);

CREATE TABLE work_order_devices (
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    position      INTEGER NOT NULL,
    serial        TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (work_order_id, position)
);
CREATE INDEX work_order_devices_serial ON work_order_devices (serial);

-- +goose Down
DROP TABLE work_order_devices;
DROP TABLE work_orders;
DROP TABLE counters;
DROP SEQUENCE work_order_number_seq;
