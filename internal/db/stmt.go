package db

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the statement cache; queries built on the fly
// (search filters) could otherwise grow it without end.
const maxCachedStatements = 256

// stmtCache keeps statements prepared on SQLite's single writer connection,
// so that the fixed SQL of hot write paths is parsed once per process rather
// than on every call (the SQLite driver has no cache of its own; pgx has one,
// so PostgreSQL does not use this). A statement is prepared after the
// transaction that first ran it has committed, because while a transaction
// holds the one writer connection nothing else can use it.
type stmtCache struct {
	mu      sync.Mutex
	ready   map[string]*sql.Stmt
	pending map[string]bool
}

func (db *DB) cached(query string) *sql.Stmt {
	if db.Engine != SQLite {
		return nil
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if st, ok := db.stmts.ready[query]; ok {
		return st
	}
	if len(db.stmts.ready)+len(db.stmts.pending) < maxCachedStatements {
		if db.stmts.pending == nil {
			db.stmts.pending = map[string]bool{}
		}
		db.stmts.pending[query] = true
	}
	return nil
}

// prepareSeen prepares the statements first seen since the last call; it
// runs after a commit, when the writer connection is free.
func (db *DB) prepareSeen(ctx context.Context) {
	db.stmts.mu.Lock()
	queries := make([]string, 0, len(db.stmts.pending))
	for q := range db.stmts.pending {
		queries = append(queries, q)
	}
	db.stmts.pending = nil
	db.stmts.mu.Unlock()
	for _, q := range queries {
		st, err := db.Write.PrepareContext(ctx, q)
		if err != nil {
			continue // it runs unprepared, as before
		}
		db.stmts.mu.Lock()
		if _, dup := db.stmts.ready[q]; dup {
			st.Close()
		} else {
			if db.stmts.ready == nil {
				db.stmts.ready = map[string]*sql.Stmt{}
			}
			db.stmts.ready[q] = st
		}
		db.stmts.mu.Unlock()
	}
}

func (db *DB) closeStatements() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	for _, st := range db.stmts.ready {
		st.Close()
	}
	db.stmts.ready = nil
}

// ExecContext runs query in the transaction, through the statement cache.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.db.cached(query); st != nil {
		return tx.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query in the transaction, through the statement cache.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.db.cached(query); st != nil {
		return tx.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction, through the statement cache.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.db.cached(query); st != nil {
		return tx.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}
