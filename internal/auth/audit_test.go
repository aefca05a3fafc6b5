package auth

import (
	"errors"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db"
)

func TestAuditInCallersTransaction(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		boom := errors.New("award failed later")
		err := e.store.InTx(ctx, func(tx *db.Tx) error {
			if err := Audit(ctx, tx, tx.Now, Entry(admin, "award.decided", "job:1")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := e.auditActions(t, "job:1"); len(got) != 0 {
			t.Fatalf("a rolled-back decision left audit rows: %v", got)
		}
		err = e.store.InTx(ctx, func(tx *db.Tx) error {
			e := Entry(admin, "award.decided", "job:1")
			e.Detail = map[string]any{"bid": "b7", "amount_minor": 12500}
			return Audit(WithRemote(ctx, "192.0.2.7"), tx, tx.Now, e)
		})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := e.svc.AuditLog(ctx, AuditFilter{Subject: "job:1"})
		if err != nil || len(recs) != 1 {
			t.Fatalf("records %v, %v", recs, err)
		}
		r := recs[0]
		if r.ActorKind != KindStaff || r.ActorID != admin.UserID || r.Outcome != OutcomeOK || r.Remote != "192.0.2.7" ||
			r.Detail["bid"] != "b7" || r.Detail["amount_minor"] != float64(12500) || !r.At.Equal(e.clock.Now()) {
			t.Fatalf("record %+v", r)
		}
		if err := Audit(ctx, e.store.Write, e.clock.Now(), AuditEntry{}); err == nil {
			t.Fatal("an entry without an action was accepted")
		}
	})
}

func TestAuditLogFilterAndPaging(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bob := &Principal{Kind: KindStaff, UserID: "bob"}
		for i, a := range []string{"a.one", "a.two", "a.one", "a.one", "a.two"} {
			by := admin
			if i%2 == 1 {
				by = bob
			}
			if err := e.svc.RecordAudit(ctx, Entry(by, a, "x:1")); err != nil {
				t.Fatal(err)
			}
		}
		// A nil principal is the system.
		denied := AuditEntry{Action: "route.forbidden", Outcome: OutcomeDenied, Subject: "x:2"}
		if err := e.svc.RecordAudit(ctx, denied); err != nil {
			t.Fatal(err)
		}
		all, _ := e.svc.AuditLog(ctx, AuditFilter{})
		if len(all) != 6 || all[0].Action != "route.forbidden" || all[0].ActorKind != KindSystem || all[0].Outcome != OutcomeDenied {
			t.Fatalf("newest first: %+v", all)
		}
		ones, _ := e.svc.AuditLog(ctx, AuditFilter{Action: "a.one"})
		bobs, _ := e.svc.AuditLog(ctx, AuditFilter{ActorID: "bob"})
		if len(ones) != 3 || len(bobs) != 2 {
			t.Fatalf("a.one: %d, bob: %d", len(ones), len(bobs))
		}
		page1, _ := e.svc.AuditLog(ctx, AuditFilter{Limit: 4})
		page2, _ := e.svc.AuditLog(ctx, AuditFilter{Limit: 4, Before: page1[3].ID})
		if len(page1) != 4 || len(page2) != 2 || page2[0].ID >= page1[3].ID {
			t.Fatalf("pages of %d and %d", len(page1), len(page2))
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if err := e.svc.RecordAudit(ctx, Entry(admin, "user.created", "user:1")); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE audit_log SET actor_id = 'someone-else'`,
			`UPDATE audit_log SET detail = '{}' WHERE action = 'user.created'`,
			`DELETE FROM audit_log`,
		} {
			err := e.store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
			if err == nil {
				t.Errorf("%s succeeded on the audit log", q)
			}
		}
		recs, _ := e.svc.AuditLog(ctx, AuditFilter{})
		if len(recs) != 1 || recs[0].ActorID != admin.UserID {
			t.Fatalf("audit log changed: %+v", recs)
		}
	})
}
