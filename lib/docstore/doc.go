// Package docstore is a crash-safe store of small files under one folder,
// shared by several goroutines and processes, with multi-file atomic
// transactions. It knows nothing of what the files mean: it stores bytes
// under slash-separated names such as "notes/2026-11.txt".
//
// # Transactions and locking
//
// Every View and every batch of Updates (see Group commit) holds an
// exclusive lock for its whole run: a semaphore inside the Store (a file
// lock does not exclude goroutines sharing one descriptor) and a file
// lock on <dir>/.lock (which excludes other Store values and other
// processes): flock(2) on Linux, macOS and the BSDs, with the file kept
// open between transactions; gofrs/flock elsewhere (LockFileEx on
// Windows). The lock is taken per View or batch, so processes
// interleave. A transaction's writes are buffered in memory; Get and List
// see them.
//
// A wait for the lock (another copy is in a transaction, or stopped or
// hung in one) ends when the transaction's context ends, with the
// context's error; after about a second it calls Options.OnLockWait once;
// after Options.LockTimeout (30 seconds by default) it fails with an error
// wrapping ErrLockTimeout. The file lock is polled (a non-blocking flock
// with a backoff from 0.1 to 20 ms), so that the wait can end.
//
// # Commit
//
// A commit encodes all of a batch's writes (see Group commit; a lone
// transaction is a batch of one) as one journal record, writes it at the
// end of <dir>/.journal's records and syncs the journal (fdatasync on
// Linux, fsync elsewhere). That sync is the only one on the hot path, and
// once it returns the batch's transactions are committed: this is the
// commit point. Their Updates return nil from then on, whatever happens
// after; a failure before it (the journal's write or sync) takes the
// record back (zeroes it) and fails them, with nothing changed.
//
// # Group commit
//
// Updates that goroutines of one Store start while another transaction
// holds the lock wait in a queue. Whichever of them gets the semaphore
// next becomes the committer: it takes the file lock, then the queued
// Updates, and runs their functions one after another, each in its own
// transaction; Updates queued meanwhile join the batch behind them (their
// sessions were busy with the previous batch's outcome when this one
// began), up to 64 in all, fewer once their writes pass 1 MiB. A
// transaction's writes are staged, not written: the next one reads them
// over the files (as it reads pending records, see below), so the batch
// is serializable, in queue order, exactly as if its transactions had
// run one by one. A function that fails or writes nothing stages
// nothing, and the ones after it never see its writes. Then the batch's
// writes go to the journal as one record (each file once: the state
// before the batch's first write of it, the content after its last), in
// one write and one sync, and each Update returns: nil or its function's
// error once the record is durable. If the write or the sync fails, the
// record is zeroed and every Update from the batch's first write on fails
// with that error, with nothing changed (an Update before it read only
// committed data and keeps its result). A crash before the sync returned
// leaves a torn record, which recovery zeroes: the whole batch is lost
// and none of it was reported done; after the sync the whole batch is
// replayed. No batch is ever partly committed. A function's panic is
// caught by the committer and raised again in its own Update's goroutine;
// a function that ends the committer's goroutine (runtime.Goexit, as
// t.FailNow does) ends its own Update's goroutine too, and the rest of
// its batch fails with nothing written.
// Other processes see batches as one transaction each: the file lock is
// held across one batch, and taken again for the next.
//
// An Update still queued when its context ends, or when it has waited
// LockTimeout, is withdrawn and fails with nothing written; once a
// committer took it, it returns the batch's outcome.
// The writes are then applied to the real files in place, without fsync: a
// put writes the whole content at offset 0 and cuts the file to its
// length; an append cuts the file to the recorded offset if it is longer
// and writes at that offset. Finally the "applied up to" marker
// <dir>/.applied is updated, also without fsync.
//
// An apply that fails (no space or inode for a new folder, an I/O error on
// one write) fails no transaction. The record and every record after it
// stay pending: the marker stays before them, each transaction first tries
// to apply them again, and until that succeeds every read (Get, Tail, List,
// the offset of a new append) sees the pending writes over the files, in
// journal order. New commits go to the journal and join the pending
// records. Another process finds the same records after the marker, fails
// or succeeds the same way, and reads through the same pending writes.
// Errors after the commit point (an apply, the marker, a checkpoint) are
// reported through Options.Warn.
//
// Writing in place, rather than writing a temporary file and renaming it
// over the target, is what makes a commit cost little more than its fsync:
// on ext4 that fsync also commits whatever else changed in the file
// system, and new inodes and renames (with the data that a rename over an
// existing file flushes first) made it several times dearer than an
// overwrite.
//
// The price is that a stored file can be torn on disk: between a crash (a
// killed process, or a power loss before the next checkpoint) and the next
// transaction, a file that was being written may hold part of its new
// content, or its new content followed by the end of the old one. A program
// that reads the folder directly could see that; a transaction never does:
// every transaction takes the lock and finishes the records after the
// marker (see Recovery) before it reads anything, and a record stays in the
// journal until a checkpoint has fsynced the files it wrote. Peek, which
// reads a file without the lock, can see it (or a file being applied by
// another process): what it returns is a hint for a quick answer that a
// transaction confirms.
//
// A Store keeps the journal and the marker open between transactions too.
// Another process's checkpoint may have replaced the journal file since, by
// a rename, so each transaction first compares, under the lock, the open
// file with the one the path names (one stat each) and reopens it if they
// differ. On Windows the journal is closed after each transaction instead,
// since a file open there cannot be renamed over.
//
// # On-disk format
//
// All integers are big-endian; every checksum is CRC-32C (Castagnoli).
//
//	journal header (16 bytes): "dsj2" | generation uint64 | crc32 of the previous 12 bytes
//	record:  "dsr2" | length uint32 | crc32 | payload
//	         (the crc32 covers the generation, then the length field and the payload)
//	payload: one or more operations, back to back
//	operation: kind byte ('P' put, 'A' append) | name length uint16 | name
//	           | offset uint64 (append: the file's size before it; put: 0)
//	           | before length uint64 | before crc32
//	           | data length uint32 | data
//	marker .applied (40 bytes): "dsa2" | generation uint64 | offset uint64
//	           | boot [16]byte | crc32 of the previous 36 bytes
//
// A record's checksum starts from the journal's generation, so a record of
// an older journal, left in the file's blocks after a power loss on a file
// system that does not journal its data, never passes as one of the
// current journal: it is a torn tail.
//
// The before fields say what the operation expects to find: for a put, the
// old content's length and checksum, or a length of 2⁶⁴-1 if the file did
// not exist; for an append, the checksum of the (up to) 32 bytes before its
// offset, and their number. See Hand repairs.
//
// The marker's boot is an FNV-128a digest of the system's identity of the
// boot during which the marker was written (see Recovery), or zeros where
// the store knows none. The 24-byte "dsa1" marker of earlier versions is
// never trusted. A put carries the whole file and an append carries its
// offset, so replaying records in journal order from any earlier record
// yields the same files. Each file appears at most once in a record
// (several writes to one file in a transaction, or in a batch, are
// merged).
//
// # Journal space
//
// A format-2 journal is zero-filled ahead of its records, a chunk at a
// time (64 KiB first, doubling up to 1 MiB, then 1 MiB: a short process,
// whose journal the checkpoint at Close replaces, does not pay for a MiB
// it never fills), by the commit that needs the room: the record, then the
// zeros after it, are written before its one sync (the zeros come from a
// buffer that is never written, so a chunk costs no allocation or
// clearing in memory). The records after it then change neither the
// file's size nor its blocks, so their sync writes only data: a journal
// that grew at every commit made each sync commit the file system's own
// journal too, and with it (ext4's ordered mode) the pages the previous
// transaction wrote to other files. The journal's records
// end where a record header is all zeros, or at the end of the file; a
// torn tail is zeroed, not cut, and a checkpoint starts a new file of
// header only. Earlier versions read such a journal too: they take the
// zeros for a torn tail and cut them off.
//
// Earlier versions wrote format 1: header "dsj1", records "dsr1" whose
// checksum covers only the length field and the payload, operations
// without the before fields. Open reads such a journal, replays it whole
// under the lock and then checkpoints, which replaces it with an empty
// format-2 journal; an earlier version cannot read the result. While a
// format-1 journal cannot be checkpointed (its records cannot be applied),
// new records are written to it in format 1.
//
// # Recovery
//
// At the start of every transaction, under the lock, the store reads the
// marker. It trusts it if it is valid (checksum), belongs to the journal
// (same generation, offset within the journal) and was written during the
// current boot. If it is trusted and the journal's records end there (a
// read of the journal at the marker finds zeros or the end of the file),
// there is nothing to do. Otherwise a process died between its journal write and the
// end of its apply, an apply failed, or the marker was lost: the records
// after the marker (after the header if it is not trusted) are applied and
// the marker is moved past them. A record that is short or fails its
// checksum is a torn tail, never acknowledged, if no valid record starts
// anywhere after it: the journal is zeroed from there (a format-1
// journal is truncated). If a valid record
// follows it, the journal is corrupt and the transaction fails with an
// error naming the journal file. A complete record whose writer died
// before its fsync returned is applied like any other: that writer never
// reported success or failure.
//
// Open does the same cheap catch-up, unless the marker is not trusted, the
// system gives no boot identity or the journal is of format 1: then it
// replays the whole journal and, if the journal holds records, checkpoints.
// Its cost does not grow with the number of stored files: it reads the
// journal from the marker on, and does not walk the folder.
//
// Why Open may trust a marker of the current boot. Applies and the marker
// are never fsynced; a write the kernel accepted is lost only with the
// kernel's page cache, in a crash of the whole system (a power loss, a
// panic), never when a process is killed, and every later reader sees it
// meanwhile. The boot identity tells Open whether the page cache that held
// those writes is still the one it reads: Linux's
// /proc/sys/kernel/random/boot_id and macOS's kern.bootsessionuuid are
// random at every boot. A marker (generation, offset, boot B) claims that
// the records of that journal before offset were applied during boot B.
// Each marker is written after the store applied those records itself, or
// the records after a marker it trusted, which made the same claim for an
// earlier offset (a checkpoint's new marker, at the header, claims
// nothing); the first marker written in a boot follows a full replay
// (no earlier marker of that boot exists to trust). So a marker of the
// current boot is true, and the files it counts hold their writes, in the
// page cache if not on disk. After a power loss the marker may be the last
// one written, an older one, torn, empty or missing; every one of those was
// written during an earlier boot (or fails its checksum), so none is
// trusted and Open replays the whole journal: a lost or stale marker costs
// a replay, never a skipped record. That replay restores everything a power
// loss could have undone, because records leave the journal only at a
// checkpoint, after the files and folders they wrote were fsynced: a
// checkpointed journal is empty and its files are on disk. A marker of an
// older journal generation is not trusted either.
//
// Where no boot identity is known (Windows, the BSDs), every Open replays
// the whole journal and checkpoints, as it must assume a power loss. The
// store assumes that un-fsynced writes are lost only with the running
// kernel. A disk that is detached while mounted (or a file system forced
// off) and mounted again without a reboot, or a virtual machine resumed
// from a memory snapshot without the matching disk, breaks that: remove
// .applied before the store is used again, so that the next Open (or
// transaction) replays the whole journal.
//
// # Hand repairs
//
// The journal must never overwrite a file that was changed by hand (every
// copy stopped, the file edited, as the README says). Two rules see to it.
//
// Close checkpoints when the journal holds records, so once every copy
// was closed (stopped cleanly) the journal is empty and nothing is ever
// replayed over an edit, in this boot or after a reboot. (Close waits at
// most two seconds for the lock; if another copy holds it longer, Close
// skips its checkpoint and says so through Warn, and the last copy to
// close does it.)
//
// When a transaction or Open of the same boot finds records after a
// trusted marker (a copy was killed between its fsync and the end of its
// apply, or an apply failed), it first checks every file those records
// write: the file must be in the state the first of them expects before
// it, or in a state one of them leaves, or on the way there as a killed
// apply leaves it (a put written but not yet cut, or torn at a 4 KiB page
// boundary, where Linux stops a write for a fatal signal; an append cut to
// its offset and partly written, with its 32 bytes before intact). A file
// in any other state was changed outside the store: the store refuses
// every transaction with an error that names the file and overwrites
// nothing, until the operator restores the file, or checks the files the
// pending records name and removes .journal (the next Open starts a new
// journal).
//
// Not detected: an edit while a copy is running (the README forbids it),
// an append's edit more than 32 bytes before its end, and an edit made
// after a copy was killed or the system lost power if the next start
// follows a reboot. That replay must not check, because a power loss can
// leave any write torn at any byte and only the replay repairs it; it
// replays the records since the last checkpoint over the files.
//
// # Checkpoint
//
// At an Open that replayed the whole journal, at Close, and after a
// commit that leaves the journal larger than Options.CheckpointBytes, if
// the journal holds records and none is pending, the store fsyncs every
// file named in the journal (on Linux it starts the writeback of 64 at a
// time with sync_file_range first, so that their fsyncs wait together)
// and every folder from those files up to the store's root, then
// replaces the journal with an empty one of the next generation (written
// to <dir>/.tmp-journal, fsynced, renamed over .journal, folder fsynced)
// and resets the marker. A checkpoint that fails
// fails nothing: it is reported through Options.Warn and tried again at
// the next of those occasions. A crash before the rename leaves the old
// journal, which is replayed again, and .tmp-journal, which the next Open
// removes; a crash after it leaves a marker of the old generation, which
// is not trusted.
//
// A checkpoint does not read the journal to learn which files it names:
// a Store notes the files of the records it commits or reads back
// (catching up) for as long as it has seen every record from the header
// on, and at the checkpoint reads back only the records after the first
// it did not see: another Store's, committed and applied between two of
// its transactions, or all of them if the journal held records when the
// Store first opened it.
//
// .tmp-journal is the store's only temporary file; its name is fixed,
// which is safe because it is written only under the lock. Files named
// ".tmp-*" elsewhere (earlier versions of the store wrote each put through
// one) are never removed, read or listed: List leaves out every dot-file.
//
// # Files
//
// Every file and folder of the store but the lock file is reached through
// an FS (Options.FS), by default RootFS of the folder: an os.Root, which
// resolves each name inside the folder, so a symbolic link (at any element
// of a name) that leads out of it fails rather than being followed. On
// Linux, RootFS opens and looks up files with one openat2 (RESOLVE_BENEATH)
// below a kept descriptor of the folder instead, which refuses the same,
// and its files are plain descriptors whose Stat asks only for type, size
// and identity (asking for file times would make the kernel stamp the next
// write with a fine-grained time, dirtying the inode); where openat2 is
// missing it falls back to os.Root. A stored file is opened non-blocking
// and used only if it is a regular file, so a FIFO or device at a
// document's path is refused at once, never waited on with the lock held.
// Folders the store creates are 0700 and files 0600; Open leaves the mode
// of an existing folder alone.
//
// A Store's own transactions are serialized, so while no other Store
// commits, what one learnt of the files stays true: Tx.Epoch tells a
// caller when that holds (core/filestore keeps each ledger's list of
// month files that way, so a posting lists no folder). The store itself
// keeps the files it wrote open for as long (64 at most; not on Windows,
// where an open file cannot be removed or renamed), asking each for its
// size at every use, and closes them when the epoch changes or before it
// applies records it did not just commit.
//
// # Limits
//
// Names differing only in case are one file on Windows and (by default)
// macOS. A torn record whose data happens to contain a copy of a valid
// journal record is reported as corruption rather than truncated. A put
// whose in-place write fails part-way (an I/O error after some bytes, not
// a kill) leaves a file that the hand-repair check may take for an edit:
// the store then refuses, naming it, rather than guess.
package docstore
