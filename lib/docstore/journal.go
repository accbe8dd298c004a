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
	"os"
	"path"
	"path/filepath"
)

// The on-disk layout is described in the package documentation.
const (
	journalMagic = "dsj1"
	recordMagic  = "dsr1"
	markerMagic  = "dsa2"

	journalHeaderLen = 16
	recordHeaderLen  = 12
	markerLen        = 40
	opHeaderLen      = 15 // kind, name length, offset, data length

	// maxRecordLen bounds a transaction: a record is read whole into memory.
	maxRecordLen = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journal is a Store's journal and marker. Their files stay open between
// transactions; it is used only under the lock, where open brings it up to
// date first.
type journal struct {
	file   handle // .journal
	marker handle // .applied
	boot   bootID // of the running system, recorded in the marker
	gen    uint64 // of file.f
	size   int64  // of the journal; after catchUp, every record before it is valid and applied
}

// open makes the journal and the marker current at the start of a
// transaction: another process may have checkpointed since, replacing the
// journal file. It reads the journal's size afresh.
func (j *journal) open() error {
	fi, opened, err := j.file.refresh()
	if err != nil {
		return err
	}
	if opened {
		if j.gen, err = j.readHeader(); err != nil {
			// Read it again next time, whatever went wrong.
			j.file.close()
			return err
		}
	}
	j.size = fi.Size()
	_, _, err = j.marker.refresh()
	return err
}

// readHeader returns the generation in the journal file's header.
func (j *journal) readHeader() (uint64, error) {
	head := make([]byte, journalHeaderLen)
	n, err := j.file.f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	// The header is only ever written by an fsynced rename, so no crash can
	// tear it.
	fields, ok := unseal(head[:n], journalMagic, 1)
	if !ok {
		return 0, fmt.Errorf("journal %s is corrupt: bad header", j.file.path)
	}
	return fields[0], nil
}

// release ends a transaction's use of the journal. On Windows it closes
// the journal file, which another process's checkpoint must be able to
// rename over; elsewhere the files stay open.
func (j *journal) release() {
	if openFilesPinned {
		j.file.close()
	}
}

// close closes the journal's files.
func (j *journal) close() {
	j.file.close()
	j.marker.close()
}

// applied returns the marker's offset if the marker can be trusted: it is
// valid, belongs to this journal and was written during this boot. A
// marker that cannot be read counts as absent: replaying from the start is
// always safe.
func (j *journal) applied() (int64, bool) {
	b := make([]byte, markerLen)
	n, _ := j.marker.f.ReadAt(b, 0)
	fields, ok := unseal(b[:n], markerMagic, 4)
	if !ok || fields[0] != j.gen || fields[1] < journalHeaderLen || fields[1] > uint64(j.size) ||
		(bootID{fields[2], fields[3]}) != j.boot {
		return 0, false
	}
	return int64(fields[1]), true
}

// setApplied records that the journal is applied up to off, in this boot.
// It is not fsynced: see "Recovery" in the package documentation.
func (j *journal) setApplied(off int64) error {
	_, err := j.marker.f.WriteAt(seal(markerMagic, j.gen, uint64(off), j.boot[0], j.boot[1]), 0)
	return err
}

// catchUp applies the records from offset from to the end of the journal,
// truncates a torn tail and moves the marker to the end. markerOK says that
// the marker already holds from, so that with nothing to apply there is
// nothing to write.
func (s *Store) catchUp(j *journal, from int64, markerOK bool) error {
	if from == j.size && markerOK {
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
		if err := j.file.f.Truncate(end); err != nil {
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
	_, err = j.file.f.WriteAt(rec, j.size)
	if err == nil {
		err = s.sync(j.file.f)
	}
	if err != nil {
		// The caller will hear that the transaction failed, so the next
		// transaction must not find the record and apply it.
		if terr := j.file.f.Truncate(j.size); terr != nil {
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
	j.file.close()
	if err := s.resetJournal(j.gen + 1); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := j.open(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return j.setApplied(j.size)
}

// resetJournal durably replaces the journal with an empty one of
// generation gen. It writes the new journal to a temporary file of a fixed
// name first, which is safe under the lock; Open removes one left by a
// crash.
func (s *Store) resetJournal(gen uint64) error {
	tmp := filepath.Join(s.dir, journalTemp)
	err := s.writeDurably(tmp, seal(journalMagic, gen))
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, journalName))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return s.syncDir(s.dir)
}

// read returns the operations of each record from offset from to the end
// of the journal, and the offset after the last valid record: less than
// j.size when the journal ends in a torn record.
func (j *journal) read(from int64) ([][]*op, int64, error) {
	buf := make([]byte, j.size-from)
	if _, err := j.file.f.ReadAt(buf, from); err != nil {
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
					j.file.path, from+int64(p), from+int64(p+1+q))
			}
			return recs, from + int64(p), nil
		}
		ops, err := decodeOps(payload)
		if err != nil {
			return nil, 0, fmt.Errorf("journal %s is corrupt: record at offset %d: %w", j.file.path, from+int64(p), err)
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
		ops = append(ops, &op{name: name, put: kind == 'P', off: int64(off), size: -1, data: p[:dataLen:dataLen]})
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
