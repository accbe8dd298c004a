package pgstore

import "time"

// SetOutcomeWait shortens the lookup of a lost commit's outcome for a
// test, and returns a function that puts it back.
func SetOutcomeWait(d time.Duration) (restore func()) {
	old := outcomeWait
	outcomeWait = d
	return func() { outcomeWait = old }
}
