-- +goose Up
-- Events kept from providers: not on the timelines they read, not sent to
-- their webhooks (bids, offers, ops alerts, internal notes, device records
-- that name other customers).
ALTER TABLE events ADD COLUMN staff_only BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE events DROP COLUMN staff_only;
