//go:build !unix

package db

import "context"

// lockFile is a no-op where advisory file locks are unavailable: there a
// SQLite database must not be migrated by two processes at once.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
