-- +goose Up
-- Who set a hold: the contractor (time off they may cancel themselves) or
-- staff (a hold only staff lift). Holds from before this column are taken
-- as staff holds, the safe side.
ALTER TABLE contractor_holds ADD COLUMN set_by TEXT NOT NULL DEFAULT 'staff';

-- +goose Down
ALTER TABLE contractor_holds DROP COLUMN set_by;
