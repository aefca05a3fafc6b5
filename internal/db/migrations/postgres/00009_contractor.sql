-- +goose Up
CREATE TABLE contractors (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    -- lists as ',a,b,' so that one LIKE '%,a,%' tests membership
    trades           TEXT NOT NULL,
    skills           TEXT NOT NULL,
    pools            TEXT NOT NULL,
    home_zip         TEXT NOT NULL,
    lat              DOUBLE PRECISION NOT NULL,
    lon              DOUBLE PRECISION NOT NULL,
    radius_miles     DOUBLE PRECISION NOT NULL,
    capacity_per_day INTEGER NOT NULL,
    completed        BIGINT NOT NULL DEFAULT 0,
    backouts         BIGINT NOT NULL DEFAULT 0,
    no_shows         BIGINT NOT NULL DEFAULT 0,
    on_time          BIGINT NOT NULL DEFAULT 0,
    timed            BIGINT NOT NULL DEFAULT 0,
    rating_sum       BIGINT NOT NULL DEFAULT 0,
    ratings          BIGINT NOT NULL DEFAULT 0,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    -- certifications and extra ZIPs: read whole, never filtered on
    body             JSONB NOT NULL
);
-- eligibility: active contractors inside a latitude/longitude box
CREATE INDEX contractors_geo ON contractors (status, lat, lon);
CREATE INDEX contractors_status ON contractors (status, id);

-- the ZIPs a contractor serves beyond their radius
CREATE TABLE contractor_zips (
    zip           TEXT NOT NULL,
    contractor_id TEXT NOT NULL REFERENCES contractors (id),
    PRIMARY KEY (zip, contractor_id)
);
CREATE INDEX contractor_zips_contractor ON contractor_zips (contractor_id);

-- availability holds (vacations): no new offers from starts_at to ends_at
CREATE TABLE contractor_holds (
    id            TEXT PRIMARY KEY,
    contractor_id TEXT NOT NULL REFERENCES contractors (id),
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contractor_holds_contractor ON contractor_holds (contractor_id, ends_at);

-- +goose Down
DROP TABLE contractor_holds;
DROP TABLE contractor_zips;
DROP TABLE contractors;
