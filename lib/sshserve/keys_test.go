package sshserve_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"atmshop/lib/sshserve"
)

func TestHostKeyIsCreatedOnceWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "host_key")
	first, created, err := sshserve.HostKey(path)
	if err != nil || !created {
		t.Fatalf("first HostKey: created %v, %v", created, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, %v; want mode 0600", fi, err)
	}
	if got := first.PublicKey().Type(); got != ssh.KeyAlgoED25519 {
		t.Errorf("key type %s, want %s", got, ssh.KeyAlgoED25519)
	}
	again, created, err := sshserve.HostKey(path)
	if err != nil || created {
		t.Fatalf("second HostKey: created %v, %v", created, err)
	}
	if string(again.PublicKey().Marshal()) != string(first.PublicKey().Marshal()) {
		t.Error("the second start has another host key")
	}
}

// Servers starting at once on a missing key file all get the one key
// that lands there, and no temporary file is left beside it.
func TestHostKeyCreatedByServersAtOnce(t *testing.T) {
	for round := range 50 {
		dir := t.TempDir()
		path := filepath.Join(dir, "host_key")
		keys := make([]ssh.Signer, 4)
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() { keys[i], _, errs[i] = sshserve.HostKey(path) })
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil {
				t.Fatalf("round %d, server %d: %v", round, i, errs[i])
			}
			if string(keys[i].PublicKey().Marshal()) != string(keys[0].PublicKey().Marshal()) {
				t.Fatalf("round %d: servers started at once have different host keys", round)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("round %d: %d files in the folder, want only host_key", round, len(entries))
		}
	}
}

func TestHostKeyThatIsNotAKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_key")
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sshserve.HostKey(path); err == nil {
		t.Error("a file that is not a key was taken as the host key")
	}
	if data, _ := os.ReadFile(path); string(data) != "not a key" {
		t.Error("the file was overwritten")
	}
}

func TestAuthorizedKeysCount(t *testing.T) {
	dir := t.TempDir()
	if n, err := sshserve.AuthorizedKeys(filepath.Join(dir, "missing")); n != 0 || err != nil {
		t.Errorf("a missing file: %d keys, %v; want 0, nil", n, err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	content := "# terminals of the branch\n\n" + string(ssh.MarshalAuthorizedKey(key)) + "not a key line\n" +
		`from="10.0.0.0/8" ` + string(ssh.MarshalAuthorizedKey(key))
	path := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	// The key with an option is skipped: options are not enforced.
	if n, err := sshserve.AuthorizedKeys(path); n != 1 || err != nil {
		t.Errorf("one plain key, a comment, a blank, a bad line and a key with from=: %d keys, %v; want 1", n, err)
	}
}
