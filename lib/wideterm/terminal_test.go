package wideterm_test

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"atmshop/lib/wideterm"
)

// screen is a small VT100 screen: it understands what Terminal writes
// (characters, CR, LF, cursor moves ESC[nA/B/C/D, ESC[K) and keeps wide
// characters two cells wide, as a real terminal does.
type screen struct {
	width  int
	rows   [][]rune // a wide character's second cell is 0
	x, y   int
	output bytes.Buffer
}

func (s *screen) cell(x, y int) *rune {
	for len(s.rows) <= y {
		s.rows = append(s.rows, []rune(strings.Repeat(" ", s.width)))
	}
	return &s.rows[y][x]
}

func (s *screen) play(t *testing.T) {
	t.Helper()
	rs := []rune(s.output.String())
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\r':
			s.x = 0
		case r == '\n':
			s.y++
		case r == 0x1b:
			j := i + 2 // after ESC [
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			n := 1
			if j > i+2 {
				n, _ = strconv.Atoi(string(rs[i+2 : j]))
			}
			switch rs[j] {
			case 'A':
				s.y -= n
			case 'B':
				s.y += n
			case 'C':
				s.x += n
			case 'D':
				s.x -= n
			case 'K':
				for x := s.x; x < s.width; x++ {
					*s.cell(x, s.y) = ' '
				}
			default:
				t.Fatalf("unexpected escape sequence %q", string(rs[i:j+1]))
			}
			i = j
		default:
			w := runewidth.RuneWidth(r)
			if s.x+w > s.width { // the terminal wraps
				s.x, s.y = 0, s.y+1
			}
			*s.cell(s.x, s.y) = r
			if w == 2 {
				*s.cell(s.x+1, s.y) = 0
			}
			s.x += w
			if s.x > s.width {
				t.Fatalf("cursor past the edge")
			}
			if s.x == s.width { // pending wrap: stays until the next character
				s.x = s.width - 1
			}
		}
		if s.x < 0 || s.y < 0 {
			t.Fatalf("cursor moved off the screen at %q", string(rs[:i+1]))
		}
	}
	s.output.Reset()
}

func (s *screen) row(y int) string {
	if y >= len(s.rows) {
		return ""
	}
	return strings.TrimRight(strings.ReplaceAll(string(s.rows[y]), "\x00", ""), " ")
}

// session is a Terminal reading keys and drawing on a screen.
type session struct {
	keys *strings.Reader
	*screen
}

func (s session) Read(p []byte) (int, error)  { return s.keys.Read(p) }
func (s session) Write(p []byte) (int, error) { return s.output.Write(p) }

func run(t *testing.T, width int, keys string) (string, *screen, error) {
	t.Helper()
	s := session{strings.NewReader(keys), &screen{width: width}}
	term := wideterm.NewTerminal(s, "> ")
	if err := term.SetSize(width, 24); err != nil {
		t.Fatal(err)
	}
	line, err := term.ReadLine()
	s.play(t)
	return line, s.screen, err
}

const (
	left      = "\x1b[D"
	backspace = "\x7f"
)

func TestEditChinese(t *testing.T) {
	tests := []struct {
		name, keys, want string
	}{
		{"type", "转账给张三\r", "转账给张三"},
		{"backspace erases both columns", "张三丰" + backspace + "x\r", "张三x"},
		{"insert after moving left", "张丰" + left + "三\r", "张三丰"},
		{"mixed widths", "a张" + left + left + "b" + "\x1b[C" + "c\r", "bac张"},
		{"Ctrl-U", "张三\x15李四\r", "李四"},
		{"Ctrl-K", "张三李四" + left + left + "\x0b\r", "张三"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, s, err := run(t, 80, tt.keys)
			if err != nil || line != tt.want {
				t.Fatalf("ReadLine: got %q, %v; want %q", line, err, tt.want)
			}
			// What the person sees is what was read.
			if got, want := s.row(0), "> "+tt.want; got != want {
				t.Errorf("screen shows %q, want %q", got, want)
			}
		})
	}
}

// The cursor stays on the character it is on, after wide characters:
// typing at the start of the line draws it there.
func TestCursorAfterWideCharacters(t *testing.T) {
	s := session{strings.NewReader("中文" + left), &screen{width: 80}}
	term := wideterm.NewTerminal(s, "> ")
	if _, err := term.ReadLine(); !errors.Is(err, io.EOF) {
		t.Fatalf("ReadLine at the end of the keys: %v", err)
	}
	s.play(t)
	if got, want := s.x, 4; got != want { // "> 中|文"
		t.Errorf("cursor at column %d, want %d", got, want)
	}
}

// A line longer than the terminal wraps; a wide character that does not
// fit at the end of a row starts the next, and editing still lands right.
func TestWrapWide(t *testing.T) {
	line, s, err := run(t, 7, "一二三四五"+backspace+"x\r")
	if err != nil || line != "一二三四x" {
		t.Fatalf("ReadLine: got %q, %v", line, err)
	}
	if got, want := s.row(0)+"|"+s.row(1), "> 一二|三四x"; got != want {
		t.Errorf("screen shows %q, want %q", got, want)
	}
}

// Ctrl-C and Ctrl-D end the line on the screen, so that what the program
// writes next is not drawn over by the prompt.
func TestInterruptAndEnd(t *testing.T) {
	_, s, err := run(t, 80, "张\x03")
	if !errors.Is(err, wideterm.ErrInterrupt) {
		t.Errorf("Ctrl-C: got %v, want ErrInterrupt", err)
	}
	if got, want := s.row(0), "> 张^C"; got != want || s.x != 0 || s.y != 1 {
		t.Errorf("after Ctrl-C the screen shows %q with the cursor at %d,%d; want %q and 0,1", got, s.x, s.y, want)
	}
	_, s, err = run(t, 80, "\x04")
	if !errors.Is(err, io.EOF) {
		t.Errorf("Ctrl-D on an empty line: got %v, want io.EOF", err)
	}
	if s.x != 0 || s.y != 1 {
		t.Errorf("after Ctrl-D the cursor is at %d,%d, want 0,1", s.x, s.y)
	}
}
