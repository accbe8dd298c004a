package core

// Store is what core needs from storage: all-or-nothing transactions over
// named documents. *docstore.Store provides it through DocStore; tests can
// wrap it to inject failures.
type Store interface {
	Update(fn func(Tx) error) error
	View(fn func(Tx) error) error
	// Path names a document's file, for error messages.
	Path(name string) string
}

// Tx reads and writes documents inside one transaction.
type Tx interface {
	Get(name string) ([]byte, error)
	Put(name string, data []byte) error
	Append(name string, data []byte) error
	List(dir string) ([]string, error)
}
