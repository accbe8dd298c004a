package core_test

import (
	"context"
	"errors"
	"testing"

	"atmshop/core"
)

func TestSetLanguage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, want := range []core.Language{core.Chinese, core.English, ""} {
		if err := f.Bank.SetLanguage(ctx, "alice", want); err != nil {
			t.Fatalf("SetLanguage(%q): %v", want, err)
		}
		a, err := f.Bank.Account(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if a.Language != want {
			t.Errorf("after SetLanguage(%q) the account has %q", want, a.Language)
		}
	}
	t.Run("a language the program does not speak", func(t *testing.T) {
		before := f.Snapshot()
		if err := f.Bank.SetLanguage(ctx, "alice", "fr"); !errors.Is(err, core.ErrBadInput) {
			t.Errorf("SetLanguage(fr): %v, want ErrBadInput", err)
		}
		f.AssertUnchanged(t, before)
	})
	t.Run("a frozen account", func(t *testing.T) {
		if err := f.Bank.Change(ctx, "root", "bob", "freeze", core.SetFrozen(true)); err != nil {
			t.Fatal(err)
		}
		before := f.Snapshot()
		if err := f.Bank.SetLanguage(ctx, "bob", core.Chinese); !errors.Is(err, core.ErrFrozen) {
			t.Errorf("SetLanguage of a frozen account: %v, want ErrFrozen", err)
		}
		f.AssertUnchanged(t, before)
	})
}

func TestCheckLanguage(t *testing.T) {
	for _, l := range []core.Language{"", core.English, core.Chinese} {
		if err := core.CheckLanguage(l); err != nil {
			t.Errorf("CheckLanguage(%q): %v", l, err)
		}
	}
	for _, l := range []core.Language{"fr", "ZH", "zh_CN", " en"} {
		if err := core.CheckLanguage(l); err == nil {
			t.Errorf("CheckLanguage(%q) took it", l)
		}
	}
}

// A refusal keeps its format and arguments for the screens to translate,
// and its message stays English for logs and tests.
func TestRefusalKeepsItsSentence(t *testing.T) {
	err := core.Refuse(core.ErrBadInput, "%s needs %s.", core.Words("this %s", "order"), core.Money(150))
	var r *core.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("%T is not a *Refusal", err)
	}
	if got, want := r.Msg, "this order needs 1.50."; got != want || err.Error() != want {
		t.Errorf("Msg %q, Error %q; want %q", got, err.Error(), want)
	}
	if r.Sentence.Format != "%s needs %s." || len(r.Sentence.Args) != 2 {
		t.Errorf("Sentence = %+v, want the format and its two arguments", r.Sentence)
	}
	if p, ok := r.Sentence.Args[0].(core.Phrase); !ok || p.Format != "this %s" {
		t.Errorf("the first argument is %#v, want the Phrase", r.Sentence.Args[0])
	}
}
