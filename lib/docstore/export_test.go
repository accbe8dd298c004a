package docstore

// Names and sizes the tests need to find and damage the journal.
const (
	JournalName      = journalName
	MarkerName       = markerName
	JournalHeaderLen = journalHeaderLen
	RecordHeaderLen  = recordHeaderLen
)

// CommitWithoutApply runs fn like Update but stops once the writes are
// durable in the journal, like a process killed right after its fsync.
func CommitWithoutApply(s *Store, fn func(tx *Tx) error) error {
	return s.run(true, fn, s.appendRecord)
}
