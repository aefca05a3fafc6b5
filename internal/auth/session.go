package auth

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// SessionStore keeps web sessions in the sessions table, on either engine,
// so that sessions survive restarts and are shared by every instance on
// PostgreSQL.
type SessionStore struct {
	store *db.DB
}

var (
	_ scs.CtxStore         = (*SessionStore)(nil)
	_ scs.IterableCtxStore = (*SessionStore)(nil)
	_ scs.IterableStore    = (*SessionStore)(nil)
)

// NewSessionStore returns a session store over store.
func NewSessionStore(store *db.DB) *SessionStore { return &SessionStore{store: store} }

// FindCtx returns the data of an unexpired session. Expiry is judged by the
// store's clock, so tests can move time.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := s.store.Read.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`,
		token, db.T(s.store.Now())).Scan(&data)
	if err = db.Translate(err); fault.Is(err, fault.NotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// CommitCtx saves a session, replacing any earlier data and expiry.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	_, err := s.store.Write.ExecContext(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, db.T(expiry))
	return db.Translate(err)
}

// DeleteCtx removes a session; an unknown token is not an error.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.store.Write.ExecContext(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return db.Translate(err)
}

// AllCtx returns every unexpired session by token.
func (s *SessionStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.store.Read.QueryContext(ctx, `SELECT token, data FROM sessions WHERE expiry > $1`, db.T(s.store.Now()))
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var (
			token string
			data  []byte
		)
		if err := rows.Scan(&token, &data); err != nil {
			return nil, db.Translate(err)
		}
		out[token] = data
	}
	return out, db.Translate(rows.Err())
}

// Cleanup deletes expired sessions and reports how many went.
func (s *SessionStore) Cleanup(ctx context.Context) (int64, error) {
	res, err := s.store.Write.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= $1`, db.T(s.store.Now()))
	if err != nil {
		return 0, db.Translate(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Find implements scs.Store; scs calls FindCtx when it has a context.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, data, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// All implements scs.IterableStore.
func (s *SessionStore) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}
