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

// chinese formats messages in Chinese. Its catalog is built the first
// time Chinese is needed, not at every start: compiling every message
// cost about 7% of an English start-up, which never uses it. The printer keeps nothing between calls
// (each call takes its work buffers from a pool), so one serves every App
// and Translate.
var chinese = sync.OnceValues(func() (*message.Printer, error) {
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
	return message.NewPrinter(language.Chinese, message.Catalog(b)), nil
})

// english formats messages in English, the language they are written in:
// its catalog is empty, so every message is its own format.
var english = sync.OnceValue(func() *message.Printer {
	return message.NewPrinter(language.English, message.Catalog(catalog.NewBuilder()))
})

// printerFor formats messages in l (English when l is empty or unknown).
// The error is the Chinese catalog's, which the tests build, at New and
// after a login (TestRefusalsInChinese, TestOwnLanguageFollowsTheLogin);
// with it comes the English printer, so that a person still reads words.
func printerFor(l core.Language) (*message.Printer, error) {
	if l != core.Chinese {
		return english(), nil
	}
	p, err := chinese()
	if err != nil {
		return english(), err
	}
	return p, nil
}

// Translate formats an English message in l, for the words a front end
// shows before there is an App (a wait for the data at start-up).
func Translate(l core.Language, format string, args ...any) string {
	p, _ := printerFor(l) // English if the catalog is broken
	return p.Sprintf(format, args...)
}
