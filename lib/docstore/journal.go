package docstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math"
	"path"
	"slices"
	"sync"
)

// The on-disk layout is described in the package documentation.
const (
	journalMagic = "dsj2"
	recordMagic  = "dsr2"
	markerMagic  = "dsa2"

	// The journal of earlier versions: records without before-states,
	// checksums not seeded with the generation. Open replays it and
	// converts it by a checkpoint.
	journalMagicV1 = "dsj1"
	recordMagicV1  = "dsr1"

	journalHeaderLen = 16
	recordHeaderLen  = 12
	markerLen        = 40
	opHeaderLenV1    = 15 // kind, name length, offset, data length
	opHeaderLen      = 27 // kind, name length, offset, before length, before sum, data length

	// missing is the before length of a put whose file did not exist.
	missing = math.MaxUint64

	// appendCheckLen is how many bytes before an append's offset its
	// before-state sums.
	appendCheckLen = 32

	// maxRecordLen bounds a transaction: a record is read whole into memory.
	maxRecordLen = 1 << 30

	// journalChunk is how far ahead a version-2 journal is zero-filled;
	// readChunk is the least a transaction reads of the journal after the
	// marker once the first header there is a record's (see journal.read).
	journalChunk = 1 << 20
	// firstJournalChunk is how far a new journal is zero-filled first
	// (see zeroFillEnd).
	firstJournalChunk = 64 << 10
	readChunk         = 4 << 10
)

// checksum returns the CRC-32C (Castagnoli) of p.
func checksum(p []byte) uint32 { return updateChecksum(0, p) }

// updateChecksum returns crc updated with p. hash/crc32 sets up its
// hardware-assisted Castagnoli tables at the first use, ~0.2 ms, which
// every start would pay for the journal header and the marker alone: an
// input shorter than smallInput goes through a plain table of 256 entries
// instead, built in a few µs. Both give the same checksum.
func updateChecksum(crc uint32, p []byte) uint32 {
	if len(p) < smallInput {
		return crc32.Update(crc, smallTable(), p)
	}
	return crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), p)
}

const smallInput = 256

// smallTable is the byte-at-a-time table of CRC-32C (the reversed
// Castagnoli polynomial), as crc32.MakeTable builds one for other
// polynomials.
var smallTable = sync.OnceValue(func() *crc32.Table {
	t := new(crc32.Table)
	for i := range t {
		crc := uint32(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ crc32.Castagnoli
			} else {
				crc >>= 1
			}
		}
		t[i] = crc
	}
	return t
})

// journal is a Store's journal and marker. Their files stay open between
// transactions; it is used only under the lock, where open brings it up to
// date first.
type journal struct {
	file    handle // .journal
	marker  handle // .applied
	boot    bootID // of the running system, recorded in the marker
	gen     uint64 // of file.f
	version int    // of file.f: 1 (dsj1) or 2
	size    int64  // the journal's end: after catchUp, every record before it is valid
	phys    int64  // the journal file's size; from size on, zeros (see Journal space)

	// reopened says that open opened the journal file anew: another
	// process's checkpoint replaced it, or this process's own.
	reopened bool

	// pending holds the records after the marker that could not be
	// applied yet, in journal order: committed, so every read sees them
	// over the files. catchUp sets it at the start of each transaction.
	pending []record

	// unsynced holds the writes of the batch's transactions staged so far
	// (see runBatch), one record each, not yet in the journal; stagedLen
	// is their encoded length, and staged the names they write, so that a
	// read need not search them (a batch's reads would cost the square of
	// its size). Reads see them after the pending records (see overlay).
	unsynced  []record
	stagedLen int
	staged    map[string]bool

	// written is what a checkpoint must fsync, as far as this Store has
	// seen the journal's records (see noteWritten).
	written writtenNames
}

// writtenNames are the files written by the records of one journal
// generation that a Store has seen: the ones it committed and the ones it
// read back. They are every file written by the records from the header
// up to upTo, so that a checkpoint reads back only the records after
// upTo, usually none.
type writtenNames struct {
	gen   uint64
	upTo  int64
	names map[string]bool
}

// noteWritten notes the files written by recs, the records from offset
// from to end that this Store committed or read, if it has seen every
// record before from. A record it has not seen (another Store's, or any
// in a journal that held records when this Store opened it) stops the
// notes growing: a checkpoint reads back the records from upTo on.
func (j *journal) noteWritten(from int64, recs []record, end int64) {
	w := &j.written
	if w.names == nil || w.gen != j.gen || end < w.upTo {
		// Another journal, or one cut short of what was seen.
		*w = writtenNames{gen: j.gen, upTo: journalHeaderLen, names: map[string]bool{}}
	}
	if from > w.upTo {
		return
	}
	for _, r := range recs {
		for _, o := range r.ops {
			w.names[o.name] = true
		}
	}
	w.upTo = max(w.upTo, end)
}

// seenUpTo returns the offset up to which j.written names every file the
// journal's records write.
func (j *journal) seenUpTo() int64 {
	if w := j.written; w.names != nil && w.gen == j.gen && w.upTo <= j.size {
		return w.upTo
	}
	return journalHeaderLen
}

// record is one journal record: its offset, the offset after it and its
// operations.
type record struct {
	off, end int64
	ops      []*op
}

// open makes the journal and the marker current at the start of a
// transaction: another process may have checkpointed since, replacing the
// journal file. It reads the journal's size afresh.
func (j *journal) open(s *Store) error {
	fi, opened, err := j.file.refresh(s)
	if err != nil {
		return err
	}
	j.reopened = opened
	if opened {
		if j.gen, j.version, err = j.readHeader(s); err != nil {
			// Read it again next time, whatever went wrong.
			j.file.close()
			return err
		}
		// catchUp finds the end from the marker; a new journal has none.
		j.size = journalHeaderLen
	}
	j.phys = fi.Size()
	if j.version < 2 || j.size > j.phys {
		j.size = j.phys
	}
	_, _, err = j.marker.refresh(s)
	return err
}

// readHeader returns the generation and version in the journal file's
// header.
func (j *journal) readHeader(s *Store) (uint64, int, error) {
	head := make([]byte, journalHeaderLen)
	n, err := j.file.f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	// The header is only ever written by an fsynced rename, so no crash can
	// tear it.
	if fields, ok := unseal(head[:n], journalMagic, 1); ok {
		return fields[0], 2, nil
	}
	if fields, ok := unseal(head[:n], journalMagicV1, 1); ok {
		return fields[0], 1, nil
	}
	return 0, 0, fmt.Errorf("journal %s is corrupt: bad header", s.Path(j.file.name))
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
	if !ok || fields[0] != j.gen || fields[1] < journalHeaderLen || fields[1] > uint64(j.phys) ||
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

// overlay yields the records that reads see over the files, in journal
// order: the pending ones, then those staged by the batch's earlier
// transactions.
func (j *journal) overlay(yield func(record) bool) {
	for _, r := range j.pending {
		if !yield(r) {
			return
		}
	}
	for _, r := range j.unsynced {
		if !yield(r) {
			return
		}
	}
}

// touches reports whether a record of the overlay writes name. It is
// asked at every read, so it loops over the pending records itself.
func (j *journal) touches(name string) bool {
	return writes(j.pending, name) || j.staged[name]
}

// addStaged adds one transaction's writes, n bytes encoded, to the batch.
func (j *journal) addStaged(ops []*op, n int) {
	if j.staged == nil {
		j.staged = map[string]bool{}
	}
	for _, o := range ops {
		j.staged[o.name] = true
	}
	j.unsynced = append(j.unsynced, record{ops: ops})
	j.stagedLen += n
}

// unstage drops the batch's staged writes.
func (j *journal) unstage() {
	j.unsynced, j.stagedLen = nil, 0
	clear(j.staged)
}

// writes reports whether one of recs writes name.
func writes(recs []record, name string) bool {
	for _, r := range recs {
		for _, o := range r.ops {
			if o.name == name {
				return true
			}
		}
	}
	return false
}

// catchUp applies the records from offset from to the end of the journal,
// truncates a torn tail and moves the marker past what it applied.
// markerOK says that the marker holds from and was written in this boot,
// so that with nothing to apply there is nothing to write, and that the
// files are in the state the records expect before them (see "Hand
// repairs" in the package documentation).
//
// A record that cannot be applied (a full disk, an I/O error) is
// committed all the same: it and the records after it stay pending, every
// read sees them, and the next transaction tries again. Only damage to
// the journal, a hand edit or a failure to cut a torn tail fails.
func (s *Store) catchUp(j *journal, from int64, markerOK bool) error {
	j.pending = nil
	recs, end, torn, err := j.read(s, from)
	if err != nil {
		return err
	}
	j.noteWritten(from, recs, end)
	if markerOK && j.version >= 2 {
		if err := s.checkBefore(recs); err != nil {
			return err
		}
	}
	if torn {
		// No fsync: if the cut is lost, the torn tail is found again.
		if err := j.clear(end); err != nil {
			return err
		}
	}
	j.size = end
	if len(recs) > 0 {
		// Another Store's records, or ones this Store failed to apply:
		// apply them through files opened now, not kept ones.
		s.closeKept()
	}
	applied := end
	for i, r := range recs {
		if err := s.apply(r.ops); err != nil {
			j.pending = recs[i:]
			applied = r.off
			s.warn(fmt.Errorf("%d committed transaction(s) not applied to the files yet; reads see them, and the next transaction tries again: %w", len(j.pending), err))
			break
		}
	}
	if applied == from && markerOK {
		return nil
	}
	if err := j.setApplied(applied); err != nil {
		// The records are applied; a stale marker costs a replay.
		s.warn(fmt.Errorf("marker %s: %w", s.Path(markerName), err))
	}
	return nil
}

// checkBefore makes sure that every file the records write is in a state
// they can lead from: the one the first of them expects before it, or the
// one any of them leaves. Anything else was changed outside the store
// (by hand) and must not be overwritten.
func (s *Store) checkBefore(recs []record) error {
	type write struct {
		o   *op
		rec int64
	}
	byName := map[string][]write{}
	var names []string
	for _, r := range recs {
		for _, o := range r.ops {
			if byName[o.name] == nil {
				names = append(names, o.name)
			}
			byName[o.name] = append(byName[o.name], write{o, r.off})
		}
	}
	for _, name := range names {
		data, err := s.readFile(name)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		ws := byName[name]
		ok := ws[0].o.isBefore(data, exists)
		for _, w := range ws {
			ok = ok || w.o.isAfter(data, exists)
		}
		if !ok {
			return fmt.Errorf("%s was changed outside the store since the journal record at offset %d of %s was written: restore it, or remove %s after checking every file it names",
				s.Path(name), ws[0].rec, s.Path(journalName), s.Path(journalName))
		}
	}
	return nil
}

// isBefore reports whether a file (its content, and whether it exists)
// is in the state that o recorded before it.
func (o *op) isBefore(data []byte, exists bool) bool {
	if o.put {
		if o.beforeLen == missing {
			return !exists
		}
		return exists && uint64(len(data)) == o.beforeLen && checksum(data) == o.beforeSum
	}
	return int64(len(data)) == o.off && o.prefixIntact(data)
}

// prefixIntact reports whether the bytes before an append's offset are
// the ones it recorded.
func (o *op) prefixIntact(data []byte) bool {
	if int64(len(data)) < o.off {
		return false
	}
	return checksum(lastBytes(data[:o.off], int(o.beforeLen))) == o.beforeSum
}

// tearUnit is the granularity at which a killed process can leave a write
// torn: Linux stops a write for a fatal signal only between pages, and
// every page size is a multiple of 4 KiB.
const tearUnit = 4096

// isAfter reports whether a file is in the state o leaves, or on the way
// there as a process killed during its apply leaves it: a put written but
// not yet cut to its length, or torn at a page boundary; an append cut to
// its offset and written in part.
func (o *op) isAfter(data []byte, exists bool) bool {
	if !exists {
		return false
	}
	if !o.put {
		n := int64(len(data)) - o.off
		return n >= 0 && n <= int64(len(o.data)) && bytes.Equal(data[o.off:], o.data[:n]) && o.prefixIntact(data)
	}
	if bytes.Equal(data, o.data) {
		return true
	}
	old := int64(-1)
	if o.beforeLen != missing {
		old = int64(o.beforeLen)
	}
	if int64(len(data)) == old && bytes.HasPrefix(data, o.data) {
		return true // written, not yet cut
	}
	for k := int64(tearUnit); k < int64(len(o.data)); k += tearUnit {
		if int64(len(data)) == max(k, old) && bytes.Equal(data[:k], o.data[:k]) {
			return true
		}
	}
	return false
}

// over returns a file's content (or err reading it) with o written over
// it, as apply would leave it.
func (o *op) over(data []byte, err error) ([]byte, error) {
	if o.put {
		return bytes.Clone(o.data), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if int64(len(data)) > o.off {
		data = data[:o.off]
	} else {
		data = append(data, make([]byte, o.off-int64(len(data)))...)
	}
	return append(data, o.data...), nil
}

// stored returns the content of name as a transaction sees it: the file,
// with the writes of the overlay's records over it. A missing file gives
// an error that matches fs.ErrNotExist.
func (s *Store) stored(name string) ([]byte, error) {
	data, err := s.readFile(name)
	if !s.j.touches(name) {
		return data, err
	}
	for r := range s.j.overlay {
		for _, o := range r.ops {
			if o.name == name {
				data, err = o.over(data, err)
			}
		}
	}
	return data, err
}

// undo takes back a write of n bytes at off, the journal's end, that did
// not become durable: an older journal is cut to off; a version-2 journal
// is cut back to its size before the write (if the write grew it) and
// zeroed from off.
func (j *journal) undo(off, n int64) error {
	if j.version >= 2 && off+n > j.phys {
		if err := j.file.f.Truncate(j.phys); err != nil {
			return err
		}
	}
	return j.clear(off)
}

// clear makes off the journal's end: a version-2 journal is zeroed from
// off to the end of the file, keeping its size; an older one is cut.
func (j *journal) clear(off int64) error {
	if j.version < 2 {
		if err := j.file.f.Truncate(off); err != nil {
			return err
		}
		j.phys = off
		return nil
	}
	if off >= j.phys {
		return nil
	}
	return writeZeros(j.file.f, off, j.phys-off)
}

// zeroFillEnd is where the zero-fill ahead of a record ending at end
// stops: at the next power of two from firstJournalChunk up while the
// journal is shorter than a chunk, then at the next chunk boundary. A
// process's first commit then writes 64 KiB of zeros, not a whole MiB:
// a short session, whose journal the checkpoint at Close replaces,
// would otherwise pay for a MiB it never fills (about 10 ms here).
func zeroFillEnd(end int64) int64 {
	if end >= journalChunk {
		return (end/journalChunk + 1) * journalChunk
	}
	n := int64(firstJournalChunk)
	for n <= end {
		n *= 2
	}
	return n
}

// zeros is what writeZeros writes from. It is never written to, so its
// pages are never made resident: the kernel reads the zero page.
var zeros [journalChunk]byte

// writeZeros writes n zero bytes to f at off, without allocating them.
func writeZeros(f File, off, n int64) error {
	for n > 0 {
		k := min(n, int64(len(zeros)))
		if _, err := f.WriteAt(zeros[:k], off); err != nil {
			return err
		}
		off, n = off+k, n-k
	}
	return nil
}

// setBefore records in each op the state of its file before it: a put's
// old length and checksum (taken from what the transaction read, if it
// did), an append's checksum of the bytes before its offset.
func (s *Store) setBefore(ops []*op) error {
	for _, o := range ops {
		if o.hasBefore {
			continue
		}
		var data []byte
		var err error
		switch {
		case s.j.touches(o.name):
			data, err = s.stored(o.name)
		case o.put:
			data, err = s.readFile(o.name)
		case o.off == 0:
		default:
			data, _, err = s.readTail(o.name, appendCheckLen)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		o.setBefore(data, err == nil)
	}
	return nil
}

// setBefore sets o's before-state from the content of its file.
func (o *op) setBefore(data []byte, exists bool) {
	switch {
	case o.put && !exists:
		o.beforeLen = missing
	case o.put:
		o.beforeLen = uint64(len(data))
		o.beforeSum = checksum(data)
	default:
		data = lastBytes(data[:min(int64(len(data)), o.off)], appendCheckLen)
		o.beforeLen = uint64(len(data))
		o.beforeSum = checksum(data)
	}
	o.hasBefore = true
}

// checkpoint makes every file and folder written through the journal
// durable, then replaces the journal with an empty one of the next
// generation. The journal must be fully applied.
func (s *Store) checkpoint(j *journal) error {
	if from := j.seenUpTo(); from < j.size {
		// Records this Store has not seen: read them back.
		recs, end, _, err := j.read(s, from)
		if err != nil {
			return err
		}
		j.noteWritten(from, recs, end)
	}
	files := j.written.names
	dirs := map[string]bool{".": true}
	for name := range files {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	if err := s.syncFiles(slices.Collect(maps.Keys(files))); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// A folder removed by hand since its write has nothing left to make
	// durable.
	for d := range dirs {
		if err := s.syncDir(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	// Windows cannot rename over an open file.
	j.file.close()
	if err := s.resetJournal(j.gen + 1); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := j.open(s); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return j.setApplied(j.size)
}

// resetJournal durably replaces the journal with an empty one of
// generation gen. It writes the new journal to a temporary file of a fixed
// name first, which is safe under the lock; Open removes one left by a
// crash.
func (s *Store) resetJournal(gen uint64) error {
	err := s.writeDurably(journalTemp, seal(journalMagic, gen))
	if err == nil {
		err = s.fsys.Rename(journalTemp, journalName)
	}
	if err != nil {
		s.fsys.Remove(journalTemp)
		return err
	}
	return s.syncDir(".")
}

// read returns the records from offset from to the end of the journal,
// the offset after the last valid record, and whether a torn record
// follows it. The end is where the file ends or, in a version-2 journal,
// where a record header is all zeros (see Journal space); only the bytes
// up to there are read: first one header, which is the zeros at the end
// unless another Store has committed since, then in growing chunks.
func (j *journal) read(s *Store, from int64) ([]record, int64, bool, error) {
	var recs []record
	var buf []byte
	// load makes buf hold at least n bytes from from, if the file has them.
	load := func(n int64) error {
		if len(buf) > 0 {
			n = max(n, int64(len(buf))*2, readChunk)
		}
		n = min(n, j.phys-from)
		if n <= int64(len(buf)) {
			return nil
		}
		more := make([]byte, n)
		copy(more, buf)
		if _, err := j.file.f.ReadAt(more[len(buf):], from+int64(len(buf))); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		buf = more
		return nil
	}
	for p := 0; ; {
		if err := load(int64(p + recordHeaderLen)); err != nil {
			return nil, 0, false, err
		}
		if p >= len(buf) || j.version >= 2 && isZero(buf[p:min(p+recordHeaderLen, len(buf))]) {
			return recs, from + int64(p), false, nil
		}
		if len(buf)-p >= recordHeaderLen {
			if err := load(int64(p + recordHeaderLen + int(min(binary.BigEndian.Uint32(buf[p+4:p+8]), maxRecordLen)))); err != nil {
				return nil, 0, false, err
			}
		}
		payload, n := parseRecord(buf[p:], j.version, j.gen)
		if n == 0 {
			// A crash while appending leaves a bad record with nothing
			// valid after it. Anything else is damage: refuse to guess.
			if err := load(j.phys - from); err != nil {
				return nil, 0, false, err
			}
			if q := findRecord(buf[p+1:], j.version, j.gen); q >= 0 {
				return nil, 0, false, fmt.Errorf("journal %s is corrupt: bad record at offset %d, valid record at offset %d",
					s.Path(journalName), from+int64(p), from+int64(p+1+q))
			}
			return recs, from + int64(p), true, nil
		}
		ops, err := decodeOps(payload, j.version)
		if err != nil {
			return nil, 0, false, fmt.Errorf("journal %s is corrupt: record at offset %d: %w", s.Path(journalName), from+int64(p), err)
		}
		recs = append(recs, record{off: from + int64(p), end: from + int64(p+n), ops: ops})
		p += n
	}
}

// isZero reports whether b is all zeros.
func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func recordSum(version int, gen uint64, lengthAndPayload ...[]byte) uint32 {
	var sum uint32
	if version >= 2 {
		sum = updateChecksum(0, binary.BigEndian.AppendUint64(nil, gen))
	}
	for _, b := range lengthAndPayload {
		sum = updateChecksum(sum, b)
	}
	return sum
}

func recordMagicOf(version int) string {
	if version == 1 {
		return recordMagicV1
	}
	return recordMagic
}

// parseRecord returns the payload and length of the record at the start of
// b, or a length of 0 if there is no complete record with a good checksum.
func parseRecord(b []byte, version int, gen uint64) ([]byte, int) {
	magic := recordMagicOf(version)
	if len(b) < recordHeaderLen || string(b[:len(magic)]) != magic {
		return nil, 0
	}
	length := binary.BigEndian.Uint32(b[4:8])
	if length > maxRecordLen || int64(length) > int64(len(b)-recordHeaderLen) {
		return nil, 0
	}
	end := recordHeaderLen + int(length)
	if recordSum(version, gen, b[4:8], b[recordHeaderLen:end]) != binary.BigEndian.Uint32(b[8:12]) {
		return nil, 0
	}
	return b[recordHeaderLen:end], end
}

// findRecord returns the offset of the first valid record in b, or -1.
func findRecord(b []byte, version int, gen uint64) int {
	magic := []byte(recordMagicOf(version))
	for i := 0; ; i++ {
		k := bytes.Index(b[i:], magic)
		if k < 0 {
			return -1
		}
		i += k
		if _, n := parseRecord(b[i:], version, gen); n > 0 {
			return i
		}
	}
}

// encodeRecord returns ops as one journal record of the given version.
func encodeRecord(ops []*op, version int, gen uint64) ([]byte, error) {
	headerLen := opHeaderLen
	if version == 1 {
		headerLen = opHeaderLenV1
	}
	length := 0
	for _, o := range ops {
		length += headerLen + len(o.name) + len(o.data)
	}
	if length > maxRecordLen {
		return nil, fmt.Errorf("transaction of %d bytes is larger than the limit of %d", length, maxRecordLen)
	}
	b := make([]byte, recordHeaderLen, recordHeaderLen+length)
	copy(b, recordMagicOf(version))
	for _, o := range ops {
		kind := byte('A')
		if o.put {
			kind = 'P'
		}
		b = append(b, kind)
		b = binary.BigEndian.AppendUint16(b, uint16(len(o.name)))
		b = append(b, o.name...)
		b = binary.BigEndian.AppendUint64(b, uint64(o.off))
		if version >= 2 {
			b = binary.BigEndian.AppendUint64(b, o.beforeLen)
			b = binary.BigEndian.AppendUint32(b, o.beforeSum)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(o.data)))
		b = append(b, o.data...)
	}
	binary.BigEndian.PutUint32(b[4:8], uint32(length))
	binary.BigEndian.PutUint32(b[8:12], recordSum(version, gen, b[4:8], b[recordHeaderLen:]))
	return b, nil
}

// decodeOps parses a record's payload. Its checksum was good, so an error
// here means a bug or a forged journal, never a crash.
func decodeOps(p []byte, version int) ([]*op, error) {
	headerLen := opHeaderLen
	if version == 1 {
		headerLen = opHeaderLenV1
	}
	if len(p) == 0 {
		return nil, errors.New("empty record")
	}
	var ops []*op
	for len(p) > 0 {
		if len(p) < headerLen {
			return nil, errors.New("truncated operation")
		}
		kind, nameLen := p[0], int(binary.BigEndian.Uint16(p[1:3]))
		if kind != 'P' && kind != 'A' {
			return nil, fmt.Errorf("unknown operation %q", kind)
		}
		if len(p) < headerLen+nameLen {
			return nil, errors.New("truncated operation")
		}
		name := string(p[3 : 3+nameLen])
		if err := checkName(name); err != nil {
			return nil, err
		}
		p = p[3+nameLen:]
		o := &op{name: name, put: kind == 'P', off: int64(binary.BigEndian.Uint64(p[:8])), size: -1}
		p = p[8:]
		if version >= 2 {
			o.beforeLen, o.beforeSum = binary.BigEndian.Uint64(p[:8]), binary.BigEndian.Uint32(p[8:12])
			o.hasBefore = true
			p = p[12:]
		}
		dataLen := binary.BigEndian.Uint32(p[:4])
		p = p[4:]
		if o.off < 0 || int64(dataLen) > int64(len(p)) {
			return nil, fmt.Errorf("bad offset or length for %s", name)
		}
		o.data = p[:dataLen:dataLen]
		ops = append(ops, o)
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
	return binary.BigEndian.AppendUint32(b, checksum(b))
}

// unseal returns the n fields of a block made by seal, or false if b does
// not start with one.
func unseal(b []byte, magic string, n int) ([]uint64, bool) {
	size := len(magic) + 8*n + 4
	if len(b) < size || string(b[:len(magic)]) != magic {
		return nil, false
	}
	body := b[:size-4]
	if binary.BigEndian.Uint32(b[size-4:]) != checksum(body) {
		return nil, false
	}
	fields := make([]uint64, n)
	for i := range fields {
		fields[i] = binary.BigEndian.Uint64(body[len(magic)+8*i:])
	}
	return fields, true
}
