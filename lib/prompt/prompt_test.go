package prompt_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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

// spyReader records what had reached out when it was first read.
type spyReader struct {
	in   io.Reader
	out  *bytes.Buffer
	seen []string
}

func (r *spyReader) Read(p []byte) (int, error) {
	r.seen = append(r.seen, r.out.String())
	return r.in.Read(p)
}

// TestQuestionsAreFlushedBeforeReading: what was written to a buffered
// out, the question included, reaches the real output before the answer
// is read.
func TestQuestionsAreFlushedBeforeReading(t *testing.T) {
	var real bytes.Buffer
	buffered := bufio.NewWriter(&real)
	spy := &spyReader{in: strings.NewReader("alice\nbob\n"), out: &real}
	p := prompt.New(spy, buffered)
	fmt.Fprint(buffered, "Welcome.\n")
	for _, want := range []string{"alice", "bob"} {
		if got, err := p.Line(context.Background(), "name> "); err != nil || got != want {
			t.Errorf("Line = %q, %v; want %q, nil", got, err, want)
		}
	}
	if len(spy.seen) == 0 || spy.seen[0] != "Welcome.\nname> " {
		t.Errorf("output when the input was first read: %q, want the greeting and the question", spy.seen)
	}
	if got, want := real.String(), "Welcome.\nname> name> "; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

// TestBufferedAnswerStillHonoursCancel: a cancelled context ends Line even
// when the answer is already buffered.
func TestBufferedAnswerStillHonoursCancel(t *testing.T) {
	p := prompt.New(strings.NewReader("a\nb\n"), io.Discard)
	if _, err := p.Line(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Line(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled with an answer buffered: %v, want context.Canceled", err)
	}
}

// TestScriptOnAPipeIsAnsweredInFullBuffers: with a pipe for input, a
// question whose answer was read ahead stays in the buffer; the output is
// flushed when the Prompter has to wait (here for the end of input).
func TestScriptOnAPipeIsAnsweredInFullBuffers(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.WriteString("alice\nbob\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var real bytes.Buffer
	buffered := bufio.NewWriter(&real)
	p := prompt.New(r, buffered)
	fmt.Fprint(buffered, "Welcome.\n")
	for _, want := range []string{"alice", "bob"} {
		if got, err := p.Line(context.Background(), "name> "); err != nil || got != want {
			t.Errorf("Line = %q, %v; want %q, nil", got, err, want)
		}
	}
	if got, want := real.String(), "Welcome.\nname> "; got != want {
		t.Errorf("output before the end of input = %q, want %q (the second answer was read with the first)", got, want)
	}
	if _, err := p.Line(context.Background(), "name> "); err != io.EOF {
		t.Errorf("Line at the end of input: %v, want io.EOF", err)
	}
	if got, want := real.String(), "Welcome.\nname> name> name> "; got != want {
		t.Errorf("output at the end of input = %q, want %q", got, want)
	}
}
