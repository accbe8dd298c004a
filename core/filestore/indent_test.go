package filestore_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"atmshop/core"
	"atmshop/core/filestore"
)

// FuzzIndentJSON: IndentJSON indents any compact JSON exactly as
// json.Indent does, so account files keep their bytes.
func FuzzIndentJSON(f *testing.F) {
	for _, doc := range []string{
		`{}`, `[]`, `""`, `0`, `{"a":[]}`, `{"a":{},"b":[{}]}`, `[1,[2,[]],{"x":null}]`,
		`{"name":"bo\"b\\","k":"a,b:{c}[d]","u":"\u003c\u2028é"}`,
		`{"name":"bob","password_hash":"$2a$04$x","balance_fen":5000,"bills":[{"date":"2026-11-01T00:00:00+08:00","owed_fen":1}],"created":"2026-11-25T10:00:00Z"}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var compact bytes.Buffer
		if json.Compact(&compact, doc) != nil {
			return // not JSON
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := filestore.IndentJSON(compact.Bytes()); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("IndentJSON(%s) =\n%s\nwant\n%s", compact.Bytes(), got, want.Bytes())
		}
	})
}

// TestAccountFileIsIndentedJSON: an account file is the account as
// json.MarshalIndent writes it, with a newline, as it always was.
func TestAccountFileIsIndentedJSON(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 25, 10, 0, 0, 123456789, shanghai)
	for _, a := range []core.Account{
		{Name: "zero"},
		{Name: "bob", PasswordHash: "$2a$04$abc/def.ghi", Balance: -150, CreditLimit: 5000, Admin: true, Frozen: true, Language: "zh",
			FailedLogins: 2, LockedUntil: now.Add(time.Minute), Created: now.UTC(), Updated: now, BookedThrough: now.Truncate(24 * time.Hour),
			Bills: []core.Bill{{Date: now, Owed: 1500, Minimum: 100, Due: now.Add(20 * 24 * time.Hour), Paid: 7}, {Date: now}}},
	} {
		_, got, err := filestore.AccountFile(&a)
		if err != nil {
			t.Fatal(err)
		}
		want, err := filestore.MarshalIndentAccount(&a)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: account file\n%s\nwant\n%s", a.Name, got, want)
		}
	}
}
