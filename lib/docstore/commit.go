package docstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// Group commit: see "Group commit" in the package documentation.

const (
	// maxBatch bounds the transactions of one batch, and maxBatchBytes
	// the records it stages before the rest wait for the next batch: a
	// batch's records are held in memory and written in one piece.
	maxBatch      = 64
	maxBatchBytes = journalChunk
)

// request is one Update waiting to be committed.
type request struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan outcome // buffered; written once, by the committer or by withdraw
}

// outcome is what a request's Update returns: err, or panicked raised
// again in the caller's goroutine. fromFn says that err (or nil) is what
// fn returned, so it rests on what fn read.
type outcome struct {
	err      error
	panicked any
	goexit   bool // fn ended its goroutine (runtime.Goexit, as t.FailNow does)
	fromFn   bool
}

func (o outcome) result() error {
	if o.panicked != nil {
		panic(o.panicked)
	}
	if o.goexit {
		runtime.Goexit()
	}
	return o.err
}

// errAbandoned fails the other transactions of a batch in which a
// function ended the committer's goroutine: nothing of it was written.
var errAbandoned = errors.New("docstore: a transaction of the same batch ended its goroutine; nothing was written")

// submit queues fn and waits for its outcome. Whichever waiting goroutine
// gets the Store's semaphore becomes the committer: it takes the file
// lock, then the queue, and runs it as a batch (see runBatch). A request
// still in the queue when its context ends, or when its wait for the lock
// times out, is withdrawn and fails with nothing written; once a committer
// has taken it, its outcome is the batch's.
func (s *Store) submit(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("docstore: %w", err)
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan outcome, 1)}
	s.queueMu.Lock()
	s.queue = append(s.queue, r)
	s.queueMu.Unlock()
	w := s.newWait(ctx)
	for {
		select {
		case o := <-r.done:
			return o.result()
		case s.sem <- struct{}{}: // no wait, no timer
			s.lead(r, w)
			continue
		default:
		}
		d, err := w.next()
		if err != nil {
			s.withdraw(r, err)
			return (<-r.done).result()
		}
		t := time.NewTimer(d)
		select {
		case o := <-r.done:
			t.Stop()
			return o.result()
		case s.sem <- struct{}{}:
			t.Stop()
			s.lead(r, w)
		case <-ctx.Done():
			t.Stop()
			s.withdraw(r, ctx.Err())
			return (<-r.done).result()
		case <-t.C:
		}
	}
}

// lead is a committer's turn, holding the semaphore (which it frees): r's
// goroutine, through w, waits for the file lock and commits a batch from
// the queue. No batch runs without the semaphore, so r is either done
// already or still queued; a failure to get the file lock withdraws r.
func (s *Store) lead(r *request, w *lockWait) {
	defer func() { <-s.sem }()
	if len(r.done) > 0 {
		return
	}
	err := errClosed
	if !s.closed {
		err = s.fileLocked(w, func() error {
			s.runBatch(s.take(maxBatch), true)
			return nil
		})
	}
	if err != nil && !s.withdraw(r, err) {
		// r was committed; only the unlock failed.
		s.warn(err)
	}
}

// take removes up to limit requests from the front of the queue.
func (s *Store) take(limit int) []*request {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	n := min(len(s.queue), limit)
	batch := slices.Clone(s.queue[:n])
	s.queue = slices.Delete(s.queue, 0, n)
	return batch
}

// requeue puts requests a batch had no room for back at the front of the
// queue, in their order.
func (s *Store) requeue(rs []*request) {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	s.queue = append(slices.Clone(rs), s.queue...)
}

// withdraw takes r out of the queue and fails it with err, if it is still
// queued, and reports whether it was.
func (s *Store) withdraw(r *request, err error) bool {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	i := slices.Index(s.queue, r)
	if i < 0 {
		return false
	}
	s.queue = slices.Delete(s.queue, i, i+1)
	r.done <- outcome{err: fmt.Errorf("docstore: %w", err)}
	return true
}

// runBatch runs the requests' functions one after another, holding the
// lock, each in its own transaction that sees the writes of those before
// it (staged, not yet durable), then those of requests queued meanwhile
// (up to maxBatch in all), and commits what they wrote as one journal
// record, with one write and one sync. Then it tells each request its outcome:
// fn's result once the batch is durable; if the write or sync fails,
// that failure for every request from the first that staged a record on
// (the earlier ones read only committed data). apply is false only in
// tests that stop at the commit point, like a process killed there.
func (s *Store) runBatch(batch []*request, apply bool) {
	j := &s.j
	defer j.release()
	outs := make([]outcome, len(batch))
	ran := -1 // the request whose fn runs
	defer func() {
		if ran < 0 {
			return
		}
		// fn ended this goroutine: nothing staged is written, and no
		// request may wait for an outcome that never comes.
		j.unstage()
		for i := range outs {
			outs[i] = outcome{err: errAbandoned}
		}
		outs[ran] = outcome{goexit: true}
		deliver(batch, outs)
	}()
	if err := s.begin(j); err != nil {
		for i := range outs {
			outs[i].err = fmt.Errorf("docstore: %w", err)
		}
		deliver(batch, outs)
		return
	}
	first := -1
	for i := 0; ; i++ {
		if i == len(batch) {
			// Updates queued while the batch ran join it: their
			// sessions were waiting for the previous batch when this
			// one began, and need not wait for another sync.
			more := s.take(maxBatch - len(batch))
			if len(more) == 0 {
				break
			}
			batch = append(batch, more...)
			outs = append(outs, make([]outcome, len(more))...)
		}
		r := batch[i]
		if j.stagedLen >= maxBatchBytes {
			s.requeue(batch[i:])
			batch, outs = batch[:i], outs[:i]
			break
		}
		if err := r.ctx.Err(); err != nil {
			outs[i].err = fmt.Errorf("docstore: %w", err)
			continue
		}
		var staged bool
		ran = i
		staged, outs[i] = s.runOne(j, r.fn)
		ran = -1
		if staged && first < 0 {
			first = i
		}
	}
	if first >= 0 {
		rec, err := s.flush(j)
		if err != nil {
			err = fmt.Errorf("docstore: %w", err)
			for i := first; i < len(outs); i++ {
				if outs[i].fromFn && outs[i].panicked == nil {
					outs[i] = outcome{err: err}
				}
			}
			// No rememberJournal: the next transaction starts a new epoch.
			deliver(batch, outs)
			return
		}
		if apply {
			s.applyStaged(j, rec)
		}
	}
	s.rememberJournal(j)
	deliver(batch, outs)
}

// deliver tells each request its outcome.
func deliver(batch []*request, outs []outcome) {
	for i, r := range batch {
		r.done <- outs[i]
	}
}

// runOne runs fn in a new transaction of the batch and stages its writes,
// if any, reporting whether it did. A panic in fn is caught and handed to
// the caller's goroutine.
func (s *Store) runOne(j *journal, fn func(*Tx) error) (staged bool, o outcome) {
	tx := s.newTx(true)
	defer func() {
		tx.done = true
		if p := recover(); p != nil {
			staged, o = false, outcome{panicked: p, fromFn: true}
		}
	}()
	o = outcome{err: fn(tx), fromFn: true}
	if o.err != nil || len(tx.ops) == 0 {
		return false, o
	}
	tx.setBefore()
	if err := s.stage(j, tx.ops); err != nil {
		// The caller may have kept what fn learnt, on writes that will
		// never exist: end the epoch (see Tx.Epoch).
		s.epoch++
		return false, outcome{err: fmt.Errorf("docstore: %w", err)}
	}
	return true, o
}

// stage adds ops to the batch. From then on reads in the batch see its
// writes (see journal.overlay), but nothing is written until flush. The
// state a file is in before the batch is all the journal records (see
// merge), so it is read only for files the batch did not write yet.
func (s *Store) stage(j *journal, ops []*op) error {
	n := 0
	var first []*op
	for _, o := range ops {
		n += opHeaderLen + len(o.name) + len(o.data)
		if !j.staged[o.name] {
			first = append(first, o)
		}
	}
	if j.stagedLen+n > maxRecordLen {
		return fmt.Errorf("transaction of %d bytes is larger than the limit of %d", j.stagedLen+n, maxRecordLen)
	}
	if j.version >= 2 {
		if err := s.setBefore(first); err != nil {
			return err
		}
	}
	j.addStaged(ops, n)
	return nil
}

// flush writes the batch's transactions at the journal's end as one
// record and syncs the journal: once the sync returns, every one of them
// is committed, and a crash before that loses the whole batch (a torn
// record), never part of it. If the write or the sync fails, the record
// is taken back (zeroed) and none is committed.
func (s *Store) flush(j *journal) (record, error) {
	ops, err := merge(j.unsynced)
	j.unstage()
	if err == nil && j.version >= 2 {
		// With nothing staged any more, reads see the state before the
		// batch: the before-state of an op that merge turned into a put.
		err = s.setBefore(ops)
	}
	var rec []byte
	if err == nil {
		rec, err = encodeRecord(ops, j.version, j.gen)
	}
	if err != nil {
		return record{}, fmt.Errorf("commit: %w", err)
	}
	start, end := j.size, j.size+int64(len(rec))
	var fill int64
	if j.version >= 2 && end > j.phys {
		// Zero-fill the next chunk after the record, before the sync: the
		// records after it then change neither the file's size nor its
		// blocks.
		fill = zeroFillEnd(end) - end
	}
	_, err = j.file.f.WriteAt(rec, start)
	if err == nil && fill > 0 {
		err = writeZeros(j.file.f, end, fill)
	}
	if err == nil {
		err = s.datasync(j.file.f)
	}
	if err != nil {
		// The callers will hear that their transactions failed, so the
		// next transaction must not find the record and apply it.
		if terr := j.undo(start, end+fill-start); terr != nil {
			err = errors.Join(err, terr)
		}
		return record{}, fmt.Errorf("commit: %w", err)
	}
	j.phys = max(j.phys, end+fill)
	j.size = end
	j.noteWritten(start, []record{{ops: ops}}, end)
	return record{off: start, end: end, ops: ops}, nil
}

// merge returns the writes of a batch's transactions as the operations of
// one record: each file once, in the order of its first write, with the
// state it expects before the first write and the content after the
// last. An append follows the writes before it: it is at the end of the
// file as they leave it.
func merge(txs []record) ([]*op, error) {
	n := 0
	for _, t := range txs {
		n += len(t.ops)
	}
	ops := make([]*op, 0, n)
	byName := make(map[string]*op, n)
	for _, t := range txs {
		for _, o := range t.ops {
			m := byName[o.name]
			switch {
			case m == nil:
				c := *o
				byName[o.name], ops = &c, append(ops, &c)
			case o.put:
				if !m.put {
					// An append's before-state is the bytes before its
					// offset, a put's the whole content: flush reads it.
					m.hasBefore = false
				}
				m.put, m.off, m.data = true, 0, o.data
			default:
				k := o.off - m.off
				if k < 0 || k > int64(len(m.data)) {
					return nil, fmt.Errorf("append to %s at %d does not follow the batch's writes at %d (%d bytes)", o.name, o.off, m.off, len(m.data))
				}
				m.data = append(m.data[:k:k], o.data...)
			}
		}
	}
	return ops, nil
}

// applyStaged applies the record flush just committed, moves the marker
// past it and checkpoints a journal grown past CheckpointBytes. Records
// still pending go first, so with any pending the new one joins them. An
// apply that fails fails no transaction: the record stays pending (see
// Commit).
func (s *Store) applyStaged(j *journal, rec record) {
	if len(j.pending) > 0 {
		j.pending = append(j.pending, rec)
		return
	}
	if err := s.apply(rec.ops); err != nil {
		j.pending = []record{rec}
		s.warn(fmt.Errorf("a committed transaction is not applied to the files yet; reads see it, and the next transaction tries again: %w", err))
		return
	}
	if err := j.setApplied(j.size); err != nil {
		s.warn(fmt.Errorf("marker %s: %w", s.Path(markerName), err))
	}
	if j.size > s.checkpointBytes {
		s.tryCheckpoint(j)
	}
}
