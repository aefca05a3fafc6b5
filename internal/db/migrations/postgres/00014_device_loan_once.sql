-- +goose Up
-- A work order holds at most one open loan per loaner region. The check in
-- the assignment is a read; this index is what makes two requests at once
-- end with one loan (the loser inserts nothing and answers with the winner's).
CREATE UNIQUE INDEX device_loans_work_order_open ON device_loans (work_order_id, region) WHERE returned_at IS NULL;

-- +goose Down
DROP INDEX device_loans_work_order_open;
