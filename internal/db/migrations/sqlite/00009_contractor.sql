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
    lat              REAL NOT NULL,
    lon              REAL NOT NULL,
    radius_miles     REAL NOT NULL,
    capacity_per_day INTEGER NOT NULL,
    completed        INTEGER NOT NULL DEFAULT 0,
    backouts         INTEGER NOT NULL DEFAULT 0,
    no_shows         INTEGER NOT NULL DEFAULT 0,
    on_time          INTEGER NOT NULL DEFAULT 0,
    timed            INTEGER NOT NULL DEFAULT 0,
    rating_sum       INTEGER NOT NULL DEFAULT 0,
    ratings          INTEGER NOT NULL DEFAULT 0,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- certifications and extra ZIPs: read whole, never filtered on
    body             TEXT NOT NULL
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
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contractor_holds_contractor ON contractor_holds (contractor_id, ends_at);

-- +goose Down
DROP TABLE contractor_holds;
DROP TABLE contractor_zips;
DROP TABLE contractors;
