package sharedlog

// SetWrite makes w write each line through f, which gets the file's Write
// as real, so a test can make a write fail or fall short.
func SetWrite(w *Writer, f func(p []byte, real func([]byte) (int, error)) (int, error)) {
	w.write = func(p []byte) (int, error) { return f(p, w.file.Write) }
}

// SetTruncate replaces os.Truncate, used to cut a failed write back.
func SetTruncate(w *Writer, f func(name string, size int64) error) { w.truncate = f }
