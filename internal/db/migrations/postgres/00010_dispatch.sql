-- +goose Up
CREATE SEQUENCE job_number_seq;

-- A job is one visit or task done for a work order by someone outside.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    work_order_id  TEXT NOT NULL REFERENCES work_orders (id),
    provider_id    TEXT NOT NULL,
    service_type   TEXT NOT NULL,
    kind           TEXT NOT NULL,
    mode           TEXT NOT NULL,
    status         TEXT NOT NULL,
    site_zip       TEXT NOT NULL,
    window_start   TIMESTAMPTZ NOT NULL,
    window_end     TIMESTAMPTZ NOT NULL,
    radius_miles   DOUBLE PRECISION NOT NULL,
    bid_deadline   TIMESTAMPTZ,
    contractor_id  TEXT,
    platform       TEXT NOT NULL DEFAULT '',
    external_id    TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    -- what is read whole, never filtered on
    body           JSONB NOT NULL
);
CREATE INDEX jobs_work_order ON jobs (work_order_id);
CREATE INDEX jobs_status ON jobs (status, bid_deadline);
CREATE INDEX jobs_contractor ON jobs (contractor_id, window_start);
CREATE INDEX jobs_platform ON jobs (platform, external_id);

-- Who was told about a job: a contractor sees a job only when offered it.
CREATE TABLE job_offers (
    job_id         TEXT NOT NULL REFERENCES jobs (id),
    contractor_id  TEXT NOT NULL,
    distance_miles DOUBLE PRECISION NOT NULL,
    offered_at     TIMESTAMPTZ NOT NULL,
    radius_step    INTEGER NOT NULL,
    -- the contractor's record when offered, for ranking their bid
    facts          JSONB NOT NULL,
    PRIMARY KEY (job_id, contractor_id)
);
CREATE INDEX job_offers_contractor ON job_offers (contractor_id, job_id);

CREATE TABLE bids (
    id             TEXT PRIMARY KEY,
    job_id         TEXT NOT NULL REFERENCES jobs (id),
    contractor_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    price_cents    BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    eta            TIMESTAMPTZ NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX bids_job ON bids (job_id, status);
-- one active bid per contractor per job, whatever races
CREATE UNIQUE INDEX bids_one_active ON bids (job_id, contractor_id) WHERE status = 'active';

CREATE TABLE job_artifacts (
    id           TEXT PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES jobs (id),
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    caption      TEXT NOT NULL DEFAULT '',
    storage_key  TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX job_artifacts_job ON job_artifacts (job_id, at);

CREATE TABLE job_serial_scans (
    id                    TEXT PRIMARY KEY,
    job_id                TEXT NOT NULL REFERENCES jobs (id),
    serial                TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    at                    TIMESTAMPTZ NOT NULL,
    by_actor              TEXT NOT NULL,
    signature_artifact_id TEXT
);
CREATE INDEX job_serial_scans_job ON job_serial_scans (job_id, at);
CREATE INDEX job_serial_scans_serial ON job_serial_scans (serial);

-- Routing and timing per provider and service type ('*' for any).
CREATE TABLE dispatch_rules (
    provider_id  TEXT NOT NULL,
    service_type TEXT NOT NULL,
    body         JSONB NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider_id, service_type)
);

-- Things already handled once (platform updates, event deliveries).
CREATE TABLE dispatch_seen (
    key TEXT PRIMARY KEY,
    at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE dispatch_seen;
DROP TABLE dispatch_rules;
DROP TABLE job_serial_scans;
DROP TABLE job_artifacts;
DROP TABLE bids;
DROP TABLE job_offers;
DROP TABLE jobs;
DROP SEQUENCE job_number_seq;
