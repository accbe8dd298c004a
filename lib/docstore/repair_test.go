package docstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"atmshop/lib/docstore"
)

// TestHandRepairAfterCleanStopIsKept: the README's repair (stop every
// copy, edit the file) survives a reboot: Close checkpointed, so Open has
// nothing to replay over the edit.
func TestHandRepairAfterCleanStopIsKept(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, noCheckpoint)
	put(t, s, "accounts/a.json", "broken")
	appendTo(t, s, "ledger/a.jsonl", "1\n")
	s.Close()
	for name, data := range map[string]string{"accounts/a.json": "repaired", "ledger/a.jsonl": "1\nfix\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reboot(t, "after the repair")
	s = open(t, dir, noCheckpoint)
	if got := get(t, s, "accounts/a.json"); got != "repaired" {
		t.Errorf("account = %q, want the repair", got)
	}
	if got := get(t, s, "ledger/a.jsonl"); got != "1\nfix\n" {
		t.Errorf("ledger = %q, want the repair", got)
	}
}

// TestHandEditUnderPendingRecordIsRefused: a copy was killed after its
// journal fsync, before its apply, and the operator edited a file the
// record writes. The next Open (same boot) refuses, naming the file, and
// overwrites nothing.
func TestHandEditUnderPendingRecordIsRefused(t *testing.T) {
	for _, c := range []struct {
		name, file, edit string
		tail             int // read the ledger's tail first: its before-state comes from that read
	}{
		{"put", "accounts/a.json", "150", 0},
		{"append", "ledger/a.jsonl", "+100\nhand\n", 0},
		{"append after a tail", "ledger/a.jsonl", "+100\nhand\n", 64},
		{"append after a short tail", "ledger/a.jsonl", "+10\nhand\n", 2},
		{"put over a removed file", "accounts/a.json", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, noCheckpoint)
			put(t, s, "accounts/a.json", "100")
			appendTo(t, s, "ledger/a.jsonl", "+100\n")
			err := docstore.CommitWithoutApply(s, func(tx *docstore.Tx) error {
				if c.tail > 0 {
					if _, err := tx.Tail("ledger/a.jsonl", c.tail); err != nil {
						return err
					}
				}
				return errors.Join(tx.Put("accounts/a.json", []byte("90")), tx.Append("ledger/a.jsonl", []byte("-10\n")))
			})
			if err != nil {
				t.Fatal(err)
			}
			// s is dropped, not closed, as a killed process's store.
			p := filepath.Join(dir, c.file)
			if c.edit == "" {
				err = os.Remove(p)
			} else {
				err = os.WriteFile(p, []byte(c.edit), 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = docstore.Open(context.Background(), dir, noCheckpoint)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "changed outside the store") {
				t.Fatalf("Open = %v, want an error naming %s as changed outside the store", err, p)
			}
			got, _ := os.ReadFile(p)
			if string(got) != c.edit {
				t.Errorf("%s = %q after the refused Open, want the edit %q", c.file, got, c.edit)
			}
		})
	}
}

// TestStaleRecordOfAnOlderGeneration: a power loss on a file system
// without its own journal can leave, after the header of a new journal,
// blocks of an older one. A record from them must never pass as valid:
// each record's checksum is seeded with its journal's generation.
func TestStaleRecordOfAnOlderGeneration(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, docstore.JournalName)
	s := open(t, dir, noCheckpoint)
	put(t, s, "a", "old")
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	stale := data[docstore.JournalHeaderLen:]
	s = open(t, dir, docstore.Options{CheckpointBytes: 1})
	put(t, s, "a", "new") // checkpoints: a journal of a later generation
	if got := journalEnd(t, journal); got != docstore.JournalHeaderLen {
		t.Fatalf("journal has %d bytes, want a checkpoint", got)
	}
	appendJournal(t, journal, stale)
	reboot(t, "after the power loss")
	s = open(t, dir, noCheckpoint)
	if got := get(t, s, "a"); got != "new" {
		t.Errorf("a = %q, want %q: a stale record was replayed", got, "new")
	}
}

// TestAppendAfterTailReplays: an append whose before-state came from a
// Tail read in the same transaction is replayed by the next Open when its
// apply never ran: the state it recorded is the file's.
func TestAppendAfterTailReplays(t *testing.T) {
	for _, n := range []int{2, 64} {
		dir := t.TempDir()
		s := open(t, dir, noCheckpoint)
		appendTo(t, s, "ledger/a.jsonl", "+100\n")
		err := docstore.CommitWithoutApply(s, func(tx *docstore.Tx) error {
			if _, err := tx.Tail("ledger/a.jsonl", n); err != nil {
				return err
			}
			return tx.Append("ledger/a.jsonl", []byte("-10\n"))
		})
		if err != nil {
			t.Fatal(err)
		}
		s = open(t, dir, noCheckpoint)
		if got, want := get(t, s, "ledger/a.jsonl"), "+100\n-10\n"; got != want {
			t.Errorf("tail %d: ledger = %q, want %q", n, got, want)
		}
	}
}
