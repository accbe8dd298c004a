package terminal

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	"atmshop/core"
)

// The program is written in English: a message's English format string is
// its key, so code reads naturally and a message nobody has translated
// yet is shown in English. messages/zh.json holds the Chinese, in the
// gotext tool's JSON form ({"language", "messages": [{"id",
// "translation"}]}); TestCatalogComplete checks that it translates every
// message the code can show, with the same arguments.
//
//go:embed messages/*.json
var messageFiles embed.FS

// catalogFile is the part of a gotext messages file the program reads.
type catalogFile struct {
	Language string `json:"language"`
	Messages []struct {
		ID          string `json:"id"`
		Translation string `json:"translation"`
	} `json:"messages"`
}

// translations is the catalog, built once from the embedded files.
var translations = sync.OnceValues(func() (catalog.Catalog, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	data, err := messageFiles.ReadFile("messages/zh.json")
	if err != nil {
		return nil, err
	}
	var f catalogFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("messages/zh.json: %w", err)
	}
	for _, m := range f.Messages {
		if err := b.SetString(language.Chinese, m.ID, m.Translation); err != nil {
			return nil, fmt.Errorf("messages/zh.json: %q: %w", m.ID, err)
		}
	}
	return b, nil
})

// tags are the catalog's names of the program's languages.
var tags = map[core.Language]language.Tag{core.English: language.English, core.Chinese: language.Chinese}

// printers format messages in each language the program speaks, built
// once and shared by every App and Translate: a Printer keeps nothing
// between calls (each call takes its work buffers from a pool).
var printers = sync.OnceValues(func() (map[core.Language]*message.Printer, error) {
	cat, err := translations()
	if err != nil {
		return nil, err
	}
	ps := map[core.Language]*message.Printer{}
	for l, tag := range tags {
		ps[l] = message.NewPrinter(tag, message.Catalog(cat))
	}
	return ps, nil
})

// printerFor formats messages in l (English when l is empty or unknown).
func printerFor(l core.Language) (*message.Printer, error) {
	ps, err := printers()
	if err != nil {
		return nil, err
	}
	if p, ok := ps[l]; ok {
		return p, nil
	}
	return ps[core.English], nil
}

// Translate formats an English message in l, for the words a front end
// shows before there is an App (a wait for the data at start-up).
func Translate(l core.Language, format string, args ...any) string {
	p, err := printerFor(l)
	if err != nil { // the catalog is checked by every New and its tests
		return fmt.Sprintf(format, args...)
	}
	return p.Sprintf(format, args...)
}
