package db

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeLayout is fixed-width UTC with microseconds, so SQLite's text
// comparisons order times correctly and PostgreSQL parses it as timestamptz.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Time is a timestamp column on both engines (TEXT on SQLite, timestamptz on
// PostgreSQL). The zero Time is stored as NULL.
type Time struct{ time.Time }

// T wraps t for use as a query argument.
func T(t time.Time) Time { return Time{t} }

// Value implements driver.Valuer.
func (t Time) Value() (driver.Value, error) {
	if t.IsZero() {
		return nil, nil
	}
	return t.UTC().Format(timeLayout), nil
}

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = v.UTC()
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("db.Time: cannot scan %T", src)
	}
	return nil
}

func (t *Time) parse(s string) error {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("db.Time: cannot parse %q", s)
}

// Ptr returns nil for the zero time, else a pointer to it (for optional JSON fields).
func (t Time) Ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}
