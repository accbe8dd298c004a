package docstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
)

// The on-disk layout is described in the package documentation.
const (
	journalMagic = "dsj1"
	recordMagic  = "dsr1"
	markerMagic  = "dsa1"

	journalHeaderLen = 16
	recordHeaderLen  = 12
	markerLen        = 24
	opHeaderLen      = 15 // kind, name length, offset, data length

	// maxRecordLen bounds a transaction: a record is read whole into memory.
	maxRecordLen = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journal is the open journal of one transaction; it is valid while the
// lock is held.
type journal struct {
	path   string
	f      *os.File
	marker *os.File
	gen    uint64
	size   int64 // everything before it is valid; past the marker, also applied
}

func (s *Store) openJournal() (*journal, error) {
	j := &journal{path: filepath.Join(s.dir, journalName)}
	var err error
	if j.f, err = os.OpenFile(j.path, os.O_RDWR, 0); err != nil {
		return nil, err
	}
	if j.marker, err = os.OpenFile(filepath.Join(s.dir, markerName), os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		j.close()
		return nil, err
	}
	if err := j.load(); err != nil {
		j.close()
		return nil, err
	}
	return j, nil
}

// load reads the generation and size of the open journal file.
func (j *journal) load() error {
	fi, err := j.f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, journalHeaderLen)
	n, err := j.f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	// The header is only ever written by an fsynced rename, so no crash
	// can tear it.
	fields, ok := unseal(head[:n], journalMagic, 1)
	if !ok {
		return fmt.Errorf("journal %s is corrupt: bad header", j.path)
	}
	j.gen, j.size = fields[0], fi.Size()
	return nil
}

// close closes the journal's files. Errors are ignored: what had to be
// durable was fsynced, and the marker is allowed to be lost.
func (j *journal) close() {
	if j.f != nil {
		j.f.Close()
	}
	if j.marker != nil {
		j.marker.Close()
	}
}

// applied returns the marker's offset if it belongs to this journal.
// A marker that cannot be read counts as absent: replaying from the start
// is always safe.
func (j *journal) applied() (int64, bool) {
	b := make([]byte, markerLen)
	n, _ := j.marker.ReadAt(b, 0)
	fields, ok := unseal(b[:n], markerMagic, 2)
	if !ok || fields[0] != j.gen || fields[1] < journalHeaderLen || fields[1] > uint64(j.size) {
		return 0, false
	}
	return int64(fields[1]), true
}

// setApplied records that the journal is applied up to off. It is not
// fsynced: after a power loss Open replays the whole journal anyway.
func (j *journal) setApplied(off int64) error {
	_, err := j.marker.WriteAt(seal(markerMagic, j.gen, uint64(off)), 0)
	return err
}

// catchUp applies the records after the marker, or all records, truncates
// a torn tail and moves the marker to the end.
func (s *Store) catchUp(j *journal, all bool) error {
	from := int64(journalHeaderLen)
	if !all {
		if off, ok := j.applied(); ok {
			from = off
		}
	}
	if from == j.size {
		return nil
	}
	recs, end, err := j.read(from)
	if err != nil {
		return err
	}
	for _, ops := range recs {
		if err := s.apply(ops); err != nil {
			return err
		}
	}
	if end < j.size {
		// No fsync: if the truncation is lost, the torn tail is found again.
		if err := j.f.Truncate(end); err != nil {
			return err
		}
		j.size = end
	}
	return j.setApplied(end)
}

// appendRecord writes ops to the journal as one record and fsyncs it: from
// then on the transaction is committed.
func (s *Store) appendRecord(j *journal, ops []*op) error {
	rec, err := encodeRecord(ops)
	if err != nil {
		return err
	}
	_, err = j.f.WriteAt(rec, j.size)
	if err == nil {
		err = s.sync(j.f)
	}
	if err != nil {
		// The caller will hear that the transaction failed, so the next
		// transaction must not find the record and apply it.
		if terr := j.f.Truncate(j.size); terr != nil {
			err = errors.Join(err, terr)
		}
		return fmt.Errorf("commit: %w", err)
	}
	j.size += int64(len(rec))
	return nil
}

// checkpoint makes every file and folder written through the journal
// durable, then replaces the journal with an empty one of the next
// generation. The journal must be fully applied.
func (s *Store) checkpoint(j *journal) error {
	recs, _, err := j.read(journalHeaderLen)
	if err != nil {
		return err
	}
	files := map[string]bool{}
	dirs := map[string]bool{".": true}
	for _, ops := range recs {
		for _, o := range ops {
			files[o.name] = true
			for d := path.Dir(o.name); d != "."; d = path.Dir(d) {
				dirs[d] = true
			}
		}
	}
	// A file or folder removed by hand since its write has nothing left to
	// make durable.
	for name := range files {
		if err := s.syncFile(s.Path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	for d := range dirs {
		if err := s.syncDir(s.Path(d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	// Windows cannot rename over an open file.
	err = j.f.Close()
	j.f = nil
	if err == nil {
		err = s.resetJournal(j.gen + 1)
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if j.f, err = os.OpenFile(j.path, os.O_RDWR, 0); err != nil {
		return err
	}
	if err := j.load(); err != nil {
		return err
	}
	return j.setApplied(j.size)
}

// createJournal creates an empty journal if there is none.
func (s *Store) createJournal() error {
	_, err := os.Lstat(filepath.Join(s.dir, journalName))
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// A random first generation keeps a marker left by a deleted journal
	// from matching the new one.
	return s.resetJournal(rand.Uint64())
}

// resetJournal durably replaces the journal with an empty one.
func (s *Store) resetJournal(gen uint64) error {
	if err := s.replaceFile(filepath.Join(s.dir, journalName), seal(journalMagic, gen), true); err != nil {
		return err
	}
	return s.syncDir(s.dir)
}

// read returns the operations of each record from offset from to the end
// of the journal, and the offset after the last valid record: less than
// j.size when the journal ends in a torn record.
func (j *journal) read(from int64) ([][]*op, int64, error) {
	buf := make([]byte, j.size-from)
	if _, err := j.f.ReadAt(buf, from); err != nil {
		return nil, 0, err
	}
	var recs [][]*op
	for p := 0; p < len(buf); {
		payload, n := parseRecord(buf[p:])
		if n == 0 {
			// A crash while appending leaves a bad record with nothing
			// valid after it. Anything else is damage: refuse to guess.
			if q := findRecord(buf[p+1:]); q >= 0 {
				return nil, 0, fmt.Errorf("journal %s is corrupt: bad record at offset %d, valid record at offset %d",
					j.path, from+int64(p), from+int64(p+1+q))
			}
			return recs, from + int64(p), nil
		}
		ops, err := decodeOps(payload)
		if err != nil {
			return nil, 0, fmt.Errorf("journal %s is corrupt: record at offset %d: %w", j.path, from+int64(p), err)
		}
		recs = append(recs, ops)
		p += n
	}
	return recs, j.size, nil
}

// parseRecord returns the payload and length of the record at the start of
// b, or a length of 0 if there is no complete record with a good checksum.
func parseRecord(b []byte) ([]byte, int) {
	if len(b) < recordHeaderLen || string(b[:len(recordMagic)]) != recordMagic {
		return nil, 0
	}
	length := binary.BigEndian.Uint32(b[4:8])
	if length > maxRecordLen || int64(length) > int64(len(b)-recordHeaderLen) {
		return nil, 0
	}
	end := recordHeaderLen + int(length)
	sum := crc32.Update(crc32.Checksum(b[4:8], castagnoli), castagnoli, b[recordHeaderLen:end])
	if sum != binary.BigEndian.Uint32(b[8:12]) {
		return nil, 0
	}
	return b[recordHeaderLen:end], end
}

// findRecord returns the offset of the first valid record in b, or -1.
func findRecord(b []byte) int {
	for i := 0; ; i++ {
		k := bytes.Index(b[i:], []byte(recordMagic))
		if k < 0 {
			return -1
		}
		i += k
		if _, n := parseRecord(b[i:]); n > 0 {
			return i
		}
	}
}

// encodeRecord returns ops as one journal record.
func encodeRecord(ops []*op) ([]byte, error) {
	length := 0
	for _, o := range ops {
		length += opHeaderLen + len(o.name) + len(o.data)
	}
	if length > maxRecordLen {
		return nil, fmt.Errorf("transaction of %d bytes is larger than the limit of %d", length, maxRecordLen)
	}
	b := make([]byte, recordHeaderLen, recordHeaderLen+length)
	copy(b, recordMagic)
	for _, o := range ops {
		kind := byte('A')
		if o.put {
			kind = 'P'
		}
		b = append(b, kind)
		b = binary.BigEndian.AppendUint16(b, uint16(len(o.name)))
		b = append(b, o.name...)
		b = binary.BigEndian.AppendUint64(b, uint64(o.off))
		b = binary.BigEndian.AppendUint32(b, uint32(len(o.data)))
		b = append(b, o.data...)
	}
	binary.BigEndian.PutUint32(b[4:8], uint32(length))
	sum := crc32.Update(crc32.Checksum(b[4:8], castagnoli), castagnoli, b[recordHeaderLen:])
	binary.BigEndian.PutUint32(b[8:12], sum)
	return b, nil
}

// decodeOps parses a record's payload. Its checksum was good, so an error
// here means a bug or a forged journal, never a crash.
func decodeOps(p []byte) ([]*op, error) {
	if len(p) == 0 {
		return nil, errors.New("empty record")
	}
	var ops []*op
	for len(p) > 0 {
		if len(p) < opHeaderLen {
			return nil, errors.New("truncated operation")
		}
		kind, nameLen := p[0], int(binary.BigEndian.Uint16(p[1:3]))
		if kind != 'P' && kind != 'A' {
			return nil, fmt.Errorf("unknown operation %q", kind)
		}
		if len(p) < opHeaderLen+nameLen {
			return nil, errors.New("truncated operation")
		}
		name := string(p[3 : 3+nameLen])
		if err := checkName(name); err != nil {
			return nil, err
		}
		p = p[3+nameLen:]
		off, dataLen := binary.BigEndian.Uint64(p[:8]), binary.BigEndian.Uint32(p[8:12])
		p = p[12:]
		if off > math.MaxInt64 || int64(dataLen) > int64(len(p)) {
			return nil, fmt.Errorf("bad offset or length for %s", name)
		}
		ops = append(ops, &op{name: name, put: kind == 'P', off: int64(off), data: p[:dataLen:dataLen]})
		p = p[dataLen:]
	}
	return ops, nil
}

// seal returns magic, the fields and a checksum of both: the layout of the
// journal header and of the marker.
func seal(magic string, fields ...uint64) []byte {
	b := []byte(magic)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint64(b, f)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// unseal returns the n fields of a block made by seal, or false if b does
// not start with one.
func unseal(b []byte, magic string, n int) ([]uint64, bool) {
	size := len(magic) + 8*n + 4
	if len(b) < size || string(b[:len(magic)]) != magic {
		return nil, false
	}
	body := b[:size-4]
	if binary.BigEndian.Uint32(b[size-4:]) != crc32.Checksum(body, castagnoli) {
		return nil, false
	}
	fields := make([]uint64, n)
	for i := range fields {
		fields[i] = binary.BigEndian.Uint64(body[len(magic)+8*i:])
	}
	return fields, true
}
