package prompt_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"atmshop/lib/prompt"
)

func TestLineReadsAnswersInOrder(t *testing.T) {
	var out bytes.Buffer
	in := strings.Repeat("x", prompt.MaxLine+1) + "\r\nalice\r\n\nlast without newline"
	p := prompt.New(strings.NewReader(in), &out)
	ctx := context.Background()
	if _, err := p.Line(ctx, "q1> "); !errors.Is(err, prompt.ErrTooLong) {
		t.Errorf("long line: %v, want ErrTooLong", err)
	}
	for _, want := range []string{"alice", "", "last without newline"} {
		got, err := p.Line(ctx, "q> ")
		if err != nil || got != want {
			t.Errorf("Line = %q, %v; want %q, nil", got, err, want)
		}
	}
	if got, err := p.Password(ctx, "password: "); err != io.EOF {
		t.Errorf("after the last line: %q, %v; want io.EOF", got, err)
	}
	if !strings.HasPrefix(out.String(), "q1> q> q> q> password: ") {
		t.Errorf("questions printed %q", out.String())
	}
}

func TestLineAcceptsExactlyMaxLine(t *testing.T) {
	long := strings.Repeat("y", prompt.MaxLine)
	p := prompt.New(strings.NewReader(long+"\n"), io.Discard)
	if got, err := p.Line(context.Background(), ""); err != nil || got != long {
		t.Errorf("a line of MaxLine bytes: %d bytes, %v", len(got), err)
	}
}

func TestLineStopsWhenCancelled(t *testing.T) {
	r, w := io.Pipe() // never written: the read blocks
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := prompt.New(r, io.Discard)
	if _, err := p.Line(ctx, "q> "); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}
