package queue

import (
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/riverqueue/river"
)

// Permanent marks err as a failure no retry can cure. The job stops at once
// instead of using up its attempts, and waits among the dead letters (it is
// listed by ListDead and replayed by Retry once someone fixed the cause, for
// example the credentials of an outside system). nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return river.JobCancel(err)
}

// Outside sorts an error from a call to an outside system: one the system
// answered with refused credentials, a request it will never accept or a
// record it does not have (fault.Forbidden, fault.Invalid, fault.NotFound)
// is Permanent; anything else — time-outs, 5xx, 429, conflicts — is returned
// as it is, to be retried with back-off.
func Outside(err error) error {
	switch fault.CodeOf(err) {
	case fault.Forbidden, fault.Invalid, fault.NotFound:
		return Permanent(err)
	}
	return err
}
