package terminal_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/tools/go/packages"
)

// messagePackages are the packages whose words reach a person: the rules'
// refusals, the screens, and the program's words before the screens.
var messagePackages = []string{"atmshop/core", "atmshop/core/terminal", "atmshop/bin/start", "atmshop/bin/internal/openbank", "atmshop/bin/server"}

// messageFuncs are the functions that take words for a person, in English,
// and the position of the format among their arguments. They belong to
// messagePackages (App's methods, core.Refuse, core.Words); fmt's and the
// log's functions of the same names are not messages.
var messageFuncs = map[string]int{
	"Printf": 0, "Sprintf": 0, // App
	"Ask": 1, "AskPassword": 1, "AskMoney": 1, "Confirm": 1, // App
	"Refuse": 1, "Words": 0, // core
	"Translate": 1, // terminal, for a front end
}

// commandWords are the fields of a terminal.Command that are shown.
var commandWords = []string{"Label", "Help"}

// passThrough are the fields a format may come from when it is not a
// constant: a core.Phrase's Format, a Command's Label and Help, all of
// which the test finds where they are written.
var passThrough = []string{"Format", "Label", "Help"}

// message is one format string found in the source.
type message struct {
	id  string
	pos token.Position
}

// TestCatalogComplete checks that messages/zh.json translates every message
// the program can show, with the same arguments and verbs, and nothing
// else. It finds the messages in the source (constant formats passed to
// Printf, Sprintf, Ask…, Confirm, core.Refuse and core.Words, and the
// Label and Help of menu commands), so a message added without a
// translation fails here, with what to add.
func TestCatalogComplete(t *testing.T) {
	found := findMessages(t)
	// The scan must see the words it is meant to see, or it proves nothing.
	for _, id := range []string{"Insufficient funds: %s needs %s but only %s is available.", "Shop", "Welcome, %s.\n", "password: ", "Transfer %s to %s?", "Statement for %s, %s\n"} {
		if !slices.ContainsFunc(found, func(m message) bool { return m.id == id }) {
			t.Errorf("the scan of %v did not find the message %q", messagePackages, id)
		}
	}

	translations := readCatalog(t, "messages/zh.json")
	var missing, badVerbs []string
	seen := map[string]bool{}
	for _, m := range found {
		if seen[m.id] {
			continue
		}
		seen[m.id] = true
		zh, ok := translations[m.id]
		if !ok || zh == "" {
			entry, _ := json.Marshal(map[string]string{"id": m.id, "translation": ""})
			missing = append(missing, fmt.Sprintf("  %s: %s,", m.pos, entry))
			continue
		}
		if err := sameVerbs(m.id, zh); err != nil {
			badVerbs = append(badVerbs, fmt.Sprintf("  %s: %q -> %q: %v", m.pos, m.id, zh, err))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d messages have no Chinese translation. Add each to core/terminal/messages/zh.json, "+
			"with its \"translation\" filled in (same verbs, %%[n]s to reorder):\n%s", len(missing), strings.Join(missing, "\n"))
	}
	if len(badVerbs) > 0 {
		t.Errorf("%d translations in core/terminal/messages/zh.json do not take the same arguments as their English:\n%s", len(badVerbs), strings.Join(badVerbs, "\n"))
	}
	var stale []string
	for id := range translations {
		if !seen[id] {
			stale = append(stale, fmt.Sprintf("  %q", id))
		}
	}
	slices.Sort(stale)
	if len(stale) > 0 {
		t.Errorf("%d entries of core/terminal/messages/zh.json translate no message of the program; remove them (or restore the message):\n%s", len(stale), strings.Join(stale, "\n"))
	}
}

// findMessages scans messagePackages for the formats of messages. A format
// that is not a constant is an error (its words cannot be found, so they
// cannot be translated), except inside the message functions themselves,
// which pass their caller's format on, and when it comes from a
// passThrough field.
func findMessages(t *testing.T) []message {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo}
	pkgs, err := packages.Load(cfg, messagePackages...)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the packages do not load")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// where is a position relative to the repository's root.
	where := func(fset *token.FileSet, p token.Pos) token.Position {
		pos := fset.Position(p)
		if rel, err := filepath.Rel(root, pos.Filename); err == nil {
			pos.Filename = rel
		}
		return pos
	}
	var found []message
	for _, pkg := range pkgs {
		info := pkg.TypesInfo
		isOurs := func(obj types.Object) bool {
			return obj != nil && obj.Pkg() != nil && slices.Contains(messagePackages, obj.Pkg().Path())
		}
		constantString := func(e ast.Expr) (string, bool) {
			tv := info.Types[e]
			if tv.Value == nil || tv.Value.Kind() != constant.String {
				return "", false
			}
			return constant.StringVal(tv.Value), true
		}
		add := func(e ast.Expr, forwarding bool) {
			id, ok := constantString(e)
			if !ok {
				if sel, isSel := e.(*ast.SelectorExpr); !forwarding && (!isSel || !slices.Contains(passThrough, sel.Sel.Name)) {
					t.Errorf("%s: the words of a message must be a constant format (pass core.Words(\"...\", args...) on), not %s", where(pkg.Fset, e.Pos()), types.ExprString(e))
				}
				return
			}
			if strings.IndexFunc(verb.ReplaceAllString(id, ""), unicode.IsLetter) >= 0 { // "%s\n" has no words to translate
				found = append(found, message{id, where(pkg.Fset, e.Pos())})
			}
		}
		for _, file := range pkg.Syntax {
			for _, decl := range file.Decls {
				// The message functions pass their caller's format on.
				fn, isFunc := decl.(*ast.FuncDecl)
				_, named := messageFuncs[declName(fn, isFunc)]
				forwarding := isFunc && named && isOurs(info.Defs[fn.Name])
				inspectMessages(decl, info, isOurs, add, forwarding)
			}
		}
	}
	return found
}

func declName(fn *ast.FuncDecl, ok bool) string {
	if !ok {
		return ""
	}
	return fn.Name.Name
}

// inspectMessages hands add the formats of the messages in decl.
func inspectMessages(decl ast.Decl, info *types.Info, isOurs func(types.Object) bool, add func(ast.Expr, bool), forwarding bool) {
	ast.Inspect(decl, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			var name *ast.Ident
			switch fun := n.Fun.(type) {
			case *ast.Ident:
				name = fun
			case *ast.SelectorExpr:
				name = fun.Sel
			default:
				return true
			}
			at, ok := messageFuncs[name.Name]
			if ok && isOurs(info.Uses[name]) && at < len(n.Args) {
				add(n.Args[at], forwarding)
			}
		case *ast.CompositeLit:
			if tv, ok := info.Types[n]; !ok || !isCommand(tv.Type) {
				return true
			}
			for _, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok && slices.Contains(commandWords, key.Name) {
						add(kv.Value, false)
					}
				}
			}
		}
		return true
	})
}

// verb matches one fmt verb, to tell words from formatting.
var verb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\*|\d+)?(\.(\*|\d+)?)?(\[\d+\])?[a-zA-Z%]`)

func isCommand(t types.Type) bool {
	named, ok := t.(*types.Named)
	return ok && named.Obj().Name() == "Command" && named.Obj().Pkg().Path() == "atmshop/core/terminal"
}

// readCatalog reads a gotext messages file into id -> translation,
// refusing an id given twice.
func readCatalog(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Language string `json:"language"`
		Messages []struct {
			ID          string `json:"id"`
			Translation string `json:"translation"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m := map[string]string{}
	for _, msg := range f.Messages {
		if _, dup := m[msg.ID]; dup {
			t.Errorf("%s: %q is translated twice", path, msg.ID)
		}
		m[msg.ID] = msg.Translation
	}
	return m
}

// sameVerbs checks that translation formats the same arguments with the
// same verbs as format (in any order, with %[n] indexes).
func sameVerbs(format, translation string) error {
	want, err := verbs(format)
	if err != nil {
		return fmt.Errorf("the English: %w", err)
	}
	got, err := verbs(translation)
	if err != nil {
		return err
	}
	if !sameArgs(got, want) {
		return fmt.Errorf("arguments and verbs %v, want %v", got, want)
	}
	return nil
}

func sameArgs(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// verbs maps each argument a format uses (from 1) to its verb, the way
// fmt reads it: flags, [n] indexes, * widths and precisions, %% as text.
func verbs(format string) (map[int]string, error) {
	used := map[int]string{}
	arg := 1
	use := func(n int, verb string) error {
		if v, ok := used[n]; ok && v != verb {
			return fmt.Errorf("argument %d is formatted both as %s and %s", n, v, verb)
		}
		used[n] = verb
		return nil
	}
	index := func(s string, i int) (int, bool) { // [n] at s[i:]
		if i >= len(s) || s[i] != '[' {
			return i, false
		}
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return i, false
		}
		n, err := strconv.Atoi(s[i+1 : i+end])
		if err != nil || n < 1 {
			return i, false
		}
		arg = n
		return i + end + 1, true
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		for part := 0; part < 2; part++ { // width, then precision
			i, _ = index(format, i)
			if i < len(format) && format[i] == '*' {
				if err := use(arg, "*"); err != nil {
					return nil, err
				}
				arg++
				i++
			}
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			if part == 0 && i < len(format) && format[i] == '.' {
				i++
				continue
			}
			break
		}
		i, _ = index(format, i)
		if i >= len(format) {
			return nil, fmt.Errorf("%q ends in the middle of a verb", format)
		}
		if err := use(arg, string(format[i])); err != nil {
			return nil, err
		}
		arg++
	}
	return used, nil
}

func TestVerbs(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   map[int]string
	}{
		{"no verbs, 100%%", map[int]string{}},
		{"%s owes %s", map[int]string{1: "s", 2: "s"}},
		{"%[2]s 欠 %[1]s", map[int]string{1: "s", 2: "s"}},
		{"  %-2s %*s %3d %q", map[int]string{1: "s", 2: "*", 3: "s", 4: "d", 5: "q"}},
		{"%.2f %5.1f", map[int]string{1: "f", 2: "f"}},
	} {
		got, err := verbs(tc.format)
		if err != nil || !sameArgs(got, tc.want) {
			t.Errorf("verbs(%q) = %v, %v; want %v", tc.format, got, err, tc.want)
		}
	}
	if err := sameVerbs("%s needs %d", "%d 需要 %s"); err == nil {
		t.Errorf("sameVerbs took swapped verbs")
	}
	if err := sameVerbs("%s needs %d", "需要 %[2]d 的 %[1]s"); err != nil {
		t.Errorf("sameVerbs refused reordered verbs: %v", err)
	}
}
