package docstore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"atmshop/lib/portablename"
)

var (
	// ErrBadName is wrapped by the error for a name that breaks the naming
	// rules (see Tx).
	ErrBadName = errors.New("docstore: bad name")
	// ErrReadOnly is wrapped by the error of Put and Append in a View.
	ErrReadOnly = errors.New("docstore: read-only transaction")
)

// maxNameLen keeps a name's length within the journal's 16-bit field with
// room to spare; real names are far shorter.
const maxNameLen = 1024

// A Tx is one transaction, valid only inside the function given to View or
// Update, and used by one goroutine.
//
// Names are slash-separated and relative. Each element is non-empty, does
// not start with '.' (dot-names are the store's own files), is made only of
// ASCII letters, digits, '.', '_' and '-', and, so that a store means the
// same on every system, does not end with '.' and is not a Windows device
// name such as "con" or "nul.txt". Other names fail with ErrBadName before
// the file system is touched.
type Tx struct {
	s        *Store
	writable bool
	done     bool
	ops      []*op          // pending writes, in the order of each name's first write
	byName   map[string]*op // the same writes by name
	seen     map[string]seen
	sizes    map[string]int64  // sizes of regular files read whole or in part from the disk
	tails    map[string][]byte // the last appendCheckLen bytes of files Tail read from the disk
}

// Epoch is the same number in two transactions of a Store when nothing
// but this Store's own transactions can have written the files between
// them: no other Store (another process, or another Open of the folder)
// committed, no committed write is still waiting to be applied, and no
// commit failed. A caller may keep what it learnt of the files in one
// transaction and trust it in a later one of the same epoch, provided it
// also keeps track of what its own writes change. Hand edits are made
// with every copy stopped (see Hand repairs), so they never fall inside
// an epoch.
func (tx *Tx) Epoch() uint64 { return tx.s.epoch }

// seen is what a transaction read of a file before writing it: enough for
// the before-state of a write (see op).
type seen struct {
	exists bool
	n      int
	sum    uint32 // CRC-32C of the whole content
	tail   []byte // its last appendCheckLen bytes
}

// op is one pending or journaled write of a whole file (put) or of data at
// an offset (append).
type op struct {
	name string
	put  bool
	off  int64
	data []byte
	size int64 // the file's size before the write, or -1 if unknown (not journaled)

	// The state the file is expected in before the write (journal version
	// 2): a put's old length (or missing) and CRC-32C of its old content;
	// an append's CRC-32C of the beforeLen bytes before off. hasBefore
	// says they are set.
	beforeLen uint64
	beforeSum uint32
	hasBefore bool
}

// Get returns the content of a file as this transaction sees it. A missing
// file gives an error that matches fs.ErrNotExist.
func (tx *Tx) Get(name string) ([]byte, error) {
	if err := tx.check(name); err != nil {
		return nil, err
	}
	w := tx.byName[name]
	if w != nil && w.put {
		return bytes.Clone(w.data), nil
	}
	data, err := tx.s.stored(name)
	if w == nil {
		tx.remember(name, data, err)
		if !tx.s.j.touches(name) {
			tx.noteSize(name, int64(len(data)), err)
		}
		return data, err
	}
	// A pending append on a file that does not exist yet creates it.
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return append(data, w.data...), nil
}

// Tail returns the last n bytes of a file as this transaction sees it, or
// all of it if it is shorter, reading only those from the disk: the end of
// a long log costs what a short one does. A missing file gives an error
// that matches fs.ErrNotExist.
func (tx *Tx) Tail(name string, n int) ([]byte, error) {
	if err := tx.check(name); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("docstore: tail of %s: negative length %d", name, n)
	}
	w := tx.byName[name]
	if w != nil && w.put {
		return bytes.Clone(lastBytes(w.data, n)), nil
	}
	if w != nil && len(w.data) >= n {
		return bytes.Clone(lastBytes(w.data, n)), nil
	}
	var pending []byte
	if w != nil {
		pending = w.data
	}
	var data []byte
	var err error
	if tx.s.j.touches(name) {
		data, err = tx.s.stored(name)
		data = lastBytes(data, n-len(pending))
	} else {
		var size int64
		data, size, err = tx.s.readTail(name, n-len(pending))
		tx.noteSize(name, size, err)
		if err == nil && w == nil && (len(data) >= appendCheckLen || int64(len(data)) == size) {
			if _, ok := tx.seen[name]; !ok {
				tx.tails[name] = bytes.Clone(lastBytes(data, appendCheckLen))
			}
		}
	}
	if w == nil {
		return data, err
	}
	// A pending append on a file that does not exist yet creates it.
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return append(data, pending...), nil
}

// lastBytes returns the last n bytes of b, or b if it is shorter.
func lastBytes(b []byte, n int) []byte {
	return b[max(len(b)-n, 0):]
}

// Put replaces the content of a file, creating it if it is missing.
func (tx *Tx) Put(name string, data []byte) error {
	w, err := tx.pending(name)
	if err != nil {
		return err
	}
	w.put, w.off, w.data = true, 0, bytes.Clone(data)
	return nil
}

// Append adds data at the end of a file, creating it if it is missing.
func (tx *Tx) Append(name string, data []byte) error {
	w, err := tx.pending(name)
	if err != nil {
		return err
	}
	w.data = append(w.data, data...)
	return nil
}

// List returns the sorted base names of the regular files directly in dir
// ("" is the store's root), as this transaction sees them. The store's own
// dot-files and files whose names break the naming rules are left out. A
// missing folder gives an empty list.
func (tx *Tx) List(dir string) ([]string, error) {
	if tx.done {
		return nil, errTxDone
	}
	if dir != "" {
		if err := checkName(dir); err != nil {
			return nil, err
		}
	}
	fsDir := dir
	if fsDir == "" {
		fsDir = "."
	}
	entries, err := tx.s.fsys.ReadDir(fsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && validElem(e.Name()) {
			names = append(names, e.Name())
		}
	}
	parent := dir
	if parent == "" {
		parent = "."
	}
	for _, w := range tx.ops {
		if path.Dir(w.name) == parent {
			names = append(names, path.Base(w.name))
		}
	}
	for r := range tx.s.j.overlay {
		for _, w := range r.ops {
			if path.Dir(w.name) == parent {
				names = append(names, path.Base(w.name))
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

var errTxDone = errors.New("docstore: transaction has ended")

// check refuses a call after the transaction ended or with a bad name.
func (tx *Tx) check(name string) error {
	if tx.done {
		return errTxDone
	}
	return checkName(name)
}

// pending returns the pending write of name, adding an empty append at the
// file's current size if there is none. A new name is checked here, before
// commit, because a journaled write that cannot be applied would block the
// store: the target must be a regular file or missing, and the names
// written by one transaction, or by it and the pending records or the
// batch's earlier transactions, must not need a file and a folder at one
// path.
func (tx *Tx) pending(name string) (*op, error) {
	if err := tx.check(name); err != nil {
		return nil, err
	}
	if !tx.writable {
		return nil, fmt.Errorf("%w: cannot write %s", ErrReadOnly, name)
	}
	if w := tx.byName[name]; w != nil {
		return w, nil
	}
	if err := clash(name, tx.ops); err != nil {
		return nil, err
	}
	for r := range tx.s.j.overlay {
		// Committed or staged writes the disk does not show yet.
		if err := clash(name, r.ops); err != nil {
			return nil, err
		}
	}
	size, known := tx.sizes[name]
	var fi fs.FileInfo
	var err error
	if !known {
		fi, err = tx.s.fsys.Lstat(name)
	}
	switch {
	case known:
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("docstore: %s is not a regular file", tx.s.Path(name))
	default:
		size = fi.Size()
	}
	if tx.s.j.touches(name) {
		// A pending record writes it: its committed size is what counts.
		data, err := tx.s.stored(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		size = int64(len(data))
	}
	w := &op{name: name, off: size, size: size}
	tx.ops = append(tx.ops, w)
	tx.byName[name] = w
	return w, nil
}

// clash fails if name and a name ops write cannot both be files: one
// would have to be a folder holding the other.
func clash(name string, ops []*op) error {
	for _, w := range ops {
		if inFolder(w.name, name) || inFolder(name, w.name) {
			return fmt.Errorf("docstore: %s and %s cannot both be files", name, w.name)
		}
	}
	return nil
}

// inFolder reports whether name is below the folder dir.
func inFolder(name, dir string) bool {
	return len(name) > len(dir) && name[len(dir)] == '/' && strings.HasPrefix(name, dir)
}

// noteSize keeps the size of a file read from the disk (0 if it is
// missing), so that a write of it later in the transaction need not look
// it up again: under the lock nothing else changes it.
func (tx *Tx) noteSize(name string, size int64, err error) {
	switch {
	case err == nil:
		tx.sizes[name] = size
	case errors.Is(err, fs.ErrNotExist):
		tx.sizes[name] = 0
	}
}

// remember keeps what Get read of a file, so that a write of it later in
// the transaction need not read it again for its before-state.
func (tx *Tx) remember(name string, data []byte, err error) {
	if !tx.writable || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	tx.seen[name] = seen{
		exists: err == nil,
		n:      len(data),
		sum:    checksum(data),
		tail:   bytes.Clone(lastBytes(data, appendCheckLen)),
	}
}

// setBefore sets the before-state of the ops that a Get of their file
// already read; stage reads the rest.
func (tx *Tx) setBefore() {
	for _, o := range tx.ops {
		if tail, ok := tx.tails[o.name]; ok && !o.put && !o.hasBefore && int64(len(tail)) <= o.off && o.off == tx.sizes[o.name] {
			// An append at the end of a file whose end Tail read.
			o.beforeLen, o.beforeSum = uint64(len(tail)), checksum(tail)
			o.hasBefore = true
			continue
		}
		sn, ok := tx.seen[o.name]
		if !ok || o.hasBefore {
			continue
		}
		switch {
		case o.put && !sn.exists:
			o.beforeLen = missing
		case o.put:
			o.beforeLen, o.beforeSum = uint64(sn.n), sn.sum
		case int64(sn.n) != o.off:
			continue
		default:
			o.beforeLen, o.beforeSum = uint64(len(sn.tail)), checksum(sn.tail)
		}
		o.hasBefore = true
	}
}

// checkName applies the naming rules documented on Tx.
func checkName(name string) error {
	if len(name) > maxNameLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrBadName, maxNameLen)
	}
	// SplitSeq, not Split: it does not allocate, and every read and
	// write checks a name.
	for e := range strings.SplitSeq(name, "/") {
		if !validElem(e) {
			return fmt.Errorf("%w: %q", ErrBadName, name)
		}
	}
	return nil
}

// validElem reports whether e is allowed as one element of a name.
func validElem(e string) bool {
	if e == "" || e[0] == '.' || e[len(e)-1] == '.' || portablename.IsWindowsReserved(e) {
		return false
	}
	for i := 0; i < len(e); i++ {
		c := e[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
