package sshserve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// HostKey reads the server's private key at path, or, when there is no
// file, creates one: a new ed25519 key, readable by its owner only. created
// says which. Two servers starting at once on a missing file end up with
// the same key, and a crash never leaves a partial one behind.
func HostKey(path string) (signer ssh.Signer, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, created, err = newHostKey(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	signer, err = ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, created, nil
}

// newHostKey writes a new key to a temporary file beside path and links it
// into place, so path only ever holds a whole key. If another server's key
// got there first, that one is read instead (created is false).
func newHostKey(path string) (data []byte, created bool, err error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "atmshop host key")
	if err != nil {
		return nil, false, err
	}
	data = pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	// CreateTemp makes the file 0600.
	f, err := os.CreateTemp(filepath.Dir(path), ".host_key-*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, err
	}
	// Link, unlike rename, never replaces a key that is already there.
	err = os.Link(f.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		data, err = os.ReadFile(path)
		return data, false, err
	}
	return data, err == nil, err
}

// AuthorizedKeys counts the keys in the authorized_keys file at path; a
// missing file has none. Lines that are not keys are skipped, and so are
// keys with options (from=, command=, …), which the server does not
// enforce.
func AuthorizedKeys(path string) (int, error) {
	keys, err := readAuthorizedKeys(path)
	return len(keys), err
}

// authorized reports whether key is in the authorized_keys file at path.
func authorized(path string, key ssh.PublicKey) (bool, error) {
	keys, err := readAuthorizedKeys(path)
	want := key.Marshal()
	for _, k := range keys {
		if bytes.Equal(k.Marshal(), want) {
			return true, nil
		}
	}
	return false, err
}

func readAuthorizedKeys(path string) ([]ssh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []ssh.PublicKey
	for {
		// It skips blank lines, comments and lines that are not a key, as
		// sshd does, and fails when no key is left.
		key, _, options, rest, err := ssh.ParseAuthorizedKey(data)
		if err != nil {
			return keys, nil
		}
		// Options (from=, command=, restrict, …) are not enforced here, so
		// a key that has any is not let in rather than let in without them.
		if len(options) == 0 {
			keys = append(keys, key)
		}
		data = rest
	}
}
