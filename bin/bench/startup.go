package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// startupTarget is issue 9's: within 1.6x of an empty Go program built
// by the same toolchain, in the same run.
const startupTarget = 1.6

// measureStartup times the built program from start to exit with its
// input at an end at the first prompt, against the seed's Python program
// doing the same (asking "name>>: " and meeting the end of input), and
// against programs that do nothing, which show what starting any process
// costs on this machine, and what linking ./bin/start's dependencies
// costs before any of atmshop's own code runs. The programs take turns,
// run by run, so that a change in the machine's load touches them all
// alike.
func measureStartup(ctx context.Context, b *bench) error {
	exe, err := b.buildStart(ctx)
	if err != nil {
		return err
	}
	dir, err := b.project("startup")
	if err != nil {
		return err
	}
	atmshop := &program{dir: dir, exe: exe, want: "Goodbye."}
	empty, err := emptyGoProgram(ctx, b)
	if err != nil {
		return err
	}
	floor, imports, err := linkedFloor(ctx, b, nil, "floor")
	if err != nil {
		return err
	}
	progs := []*program{atmshop, empty, floor}
	cgo, err := command(ctx, b.root, "go", "env", "CGO_ENABLED")
	if err != nil {
		return err
	}
	// A release build without cgo: the default build links the C library
	// when cgo is on, because net (through pgx) has cgo parts, and loading
	// it costs every start. Measured beside the default build, which stays
	// the one the target is held to: it is what "go build" and "go run"
	// make on a machine with a C compiler.
	var static, staticFloor *program
	if strings.TrimSpace(cgo) == "1" {
		noCgo := []string{"CGO_ENABLED=0"}
		exe, err := b.goBuild(ctx, noCgo, "atmshop-static", "./bin/start")
		if err != nil {
			return err
		}
		dir, err := b.project("startup-static")
		if err != nil {
			return err
		}
		static = &program{dir: dir, exe: exe, want: "Goodbye."}
		if staticFloor, _, err = linkedFloor(ctx, b, noCgo, "floor-static"); err != nil {
			return err
		}
		progs = append(progs, static, staticFloor)
	}
	var baseline *program
	if b.opts.baseline != "" {
		dir, err := b.project("startup-baseline")
		if err != nil {
			return err
		}
		baseline = &program{dir: dir, exe: b.opts.baseline, want: "Goodbye."}
		progs = append(progs, baseline)
	}
	var cTrue *program
	if p, err := exec.LookPath("true"); err == nil {
		cTrue = &program{dir: b.work, exe: p}
		progs = append(progs, cTrue)
	}
	var python *program
	var version string
	if exe := findPython(ctx); exe == "" {
		b.report.note("Python start-up comparison skipped: no python3 on PATH.")
	} else {
		pyDir := filepath.Join(b.work, "python-seed")
		if err := writeSeed(pyDir); err != nil {
			return err
		}
		version, _ = command(ctx, "", exe, "--version")
		python = &program{dir: pyDir, exe: exe, args: []string{filepath.Join("bin", "start.py")}, want: "name>>: ", exit: 1}
		progs = append(progs, python)
	}

	// A first run of each is not timed: atmshop's creates the accounts of
	// config.ini (bcrypt at the shipped cost) and Python's writes its
	// __pycache__ bytecode, as any earlier run would have.
	b.logf("start-up: %d runs of each of %d programs, taking turns", b.opts.runs, len(progs))
	if err := interleave(ctx, 1, progs...); err != nil {
		return err
	}
	for _, p := range progs {
		p.walls, p.rss = nil, 0
	}
	if err := interleave(ctx, b.opts.runs, progs...); err != nil {
		return err
	}

	g, e := summarize(atmshop.walls), summarize(empty.walls)
	b.report.add(row{"Start-up", "atmshop to the first prompt, end of input (shipped config.ini, db bootstrapped)",
		g.String(), "empty Go program: median " + dur(e.median), ratio(float64(g.median), float64(e.median)) + " of the empty program",
		verdict(fmt.Sprintf("<= %.1fx the empty program", startupTarget), float64(g.median) <= startupTarget*float64(e.median))})
	if atmshop.rss > 0 {
		b.report.add(row{"Start-up", "peak memory (RSS) of that process", mb(atmshop.rss), "", "", ""})
	}
	f := summarize(floor.walls)
	b.report.add(row{"Start-up", fmt.Sprintf("an empty Go program that imports (blank) the %d packages ./bin/start is linked with outside atmshop: linking and initializing them, none of atmshop's code", imports),
		f.String(), "empty Go program: median " + dur(e.median), ratio(float64(f.median), float64(e.median)) + " of the empty program (atmshop: " + ratio(float64(g.median), float64(f.median)) + " of this)", ""})
	if static != nil {
		s, sf := summarize(static.walls), summarize(staticFloor.walls)
		b.report.add(row{"Start-up", "atmshop built with CGO_ENABLED=0 (statically linked, no C library), same input", s.String(), "empty Go program: median " + dur(e.median),
			ratio(float64(s.median), float64(e.median)) + " of the empty program", ""})
		b.report.add(row{"Start-up", "the empty program importing the same packages, CGO_ENABLED=0", sf.String(), "empty Go program: median " + dur(e.median),
			ratio(float64(sf.median), float64(e.median)) + " of the empty program (atmshop, CGO_ENABLED=0: " + ratio(float64(s.median), float64(sf.median)) + " of this)", ""})
		b.report.note("Start-up is held to its target as \"go build\" makes the program here, with cgo on: net (through pgx) then links the C library, and loading it costs every start. The CGO_ENABLED=0 rows are a release build of the same code (CGO_ENABLED=0 go build ./bin/start), whose net package resolves host names with Go's own resolver only (the default build uses it too unless the system's resolver configuration asks for the C library's); they are shown beside it, not in its place.")
	}
	if baseline != nil {
		l := summarize(baseline.walls)
		b.report.add(row{"Start-up", "the -baseline build, same runs", l.String(), "empty Go program: median " + dur(e.median),
			ratio(float64(l.median), float64(e.median)) + " of the empty program (atmshop: " + ratio(float64(g.median), float64(l.median)) + " of this)", ""})
	}
	if budget := time.Duration(startupTarget*float64(e.median)) - f.median; budget > 0 {
		b.report.note(fmt.Sprintf("The empty program importing ./bin/start's packages is the floor under atmshop's start-up while they are linked: %s the empty program, so the target of %.1fx leaves %s (median) for what atmshop adds to it (its own code, and the more of the packages' code it uses and so links and runs), which takes %s.",
			ratio(float64(f.median), float64(e.median)), startupTarget, dur(budget), dur(g.median-f.median)))
	} else {
		b.report.note(fmt.Sprintf("The empty program importing ./bin/start's packages is the floor under atmshop's start-up while they are linked: %s the empty program, already over the target of %.1fx before any of atmshop's code runs, so the target cannot be met with these packages linked. atmshop adds %s (median) to the floor: its own code, and the more of the packages' code it uses and so links and runs.",
			ratio(float64(f.median), float64(e.median)), startupTarget, dur(g.median-f.median)))
	}
	processCost := fmt.Sprintf("Starting a process costs time of its own here: an empty Go program takes %s", e)
	if cTrue != nil {
		processCost += fmt.Sprintf(", %s (a C program that does nothing) %s", cTrue.exe, summarize(cTrue.walls))
	}
	b.report.note(processCost + ".")
	if python == nil {
		return nil
	}

	p := summarize(python.walls)
	b.report.add(row{"Start-up", "the seed's Python program, python3 bin/start.py, same input",
		p.String(), "atmshop median " + dur(g.median), ratio(float64(p.median), float64(g.median)) + " (Python/Go, medians)",
		verdict(">= 10x faster than Python", float64(p.median) >= 10*float64(g.median))})
	if python.rss > 0 && atmshop.rss > 0 {
		b.report.add(row{"Start-up", "peak memory (RSS) of the Python process", mb(python.rss), "atmshop " + mb(atmshop.rss), ratio(float64(python.rss), float64(atmshop.rss)) + " (Python/Go)", ""})
	}
	b.report.note(fmt.Sprintf("Python start-up: %s run as %s (the interpreter itself, not a version manager's shim on PATH), on a transcription of the seed's files that bench writes, with Windows paths fixed; it ends in an EOFError traceback (exit 1) at the first prompt, as the seed does.",
		strings.TrimSpace(version), python.exe))
	if shim, err := exec.LookPath("python3"); err == nil && shim != python.exe {
		b.report.note(fmt.Sprintf("python3 on PATH is %s, which is not the interpreter: starting through it would add its own cost to every Python run.", shim))
	}
	return nil
}

// program is a command to start again and again with empty input, what it
// must print and exit with, and what its runs measured.
type program struct {
	dir, exe string
	args     []string
	want     string // in its standard output
	exit     int

	walls []time.Duration
	rss   int64 // the highest peak RSS of its runs
}

// interleave runs each program once per round, runs rounds, checking
// each run.
func interleave(ctx context.Context, runs int, progs ...*program) error {
	for range runs {
		for _, p := range progs {
			r, err := timed(ctx, p.dir, nil, p.exe, p.args...)
			if err != nil {
				return err
			}
			if r.exit != p.exit || !strings.Contains(r.stdout, p.want) {
				return fmt.Errorf("%s exited with status %d (want %d) and printed %q (want %q); stderr: %s", p.exe, r.exit, p.exit, r.stdout, p.want, r.stderr)
			}
			p.walls = append(p.walls, r.wall)
			p.rss = max(p.rss, r.maxRSS)
		}
	}
	return nil
}

// emptyGoProgram builds a Go program that does nothing: the floor under
// any Go program's start-up on this machine.
func emptyGoProgram(ctx context.Context, b *bench) (*program, error) {
	dir := filepath.Join(b.work, "empty")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600); err != nil {
		return nil, err
	}
	exe := filepath.Join(dir, "empty")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if _, err := command(ctx, dir, "go", "build", "-o", exe, "main.go"); err != nil {
		return nil, err
	}
	return &program{dir: dir, exe: exe}, nil
}

// linkedFloor builds, as name, a Go program that does nothing but import,
// blank, every package ./bin/start is linked with outside the atmshop
// module: it is linked as ./bin/start is and runs the same packages'
// initializers, and none of atmshop's code. It is built in the module
// (so with its go.mod's versions and env added to go's environment, as
// ./bin/start is), from a file the go command is told of by an overlay,
// so nothing is written to the module's folder. It returns the number of
// packages imported.
func linkedFloor(ctx context.Context, b *bench, env []string, name string) (*program, int, error) {
	// Standard packages have no module; the module's own are Main.
	out, err := commandEnv(ctx, b.root, env, "go", "list", "-deps", "-f", "{{if not (and .Module .Module.Main)}}{{.ImportPath}}{{end}}", "./bin/start")
	if err != nil {
		return nil, 0, err
	}
	var src strings.Builder
	src.WriteString("// Command " + name + " imports what ./bin/start does outside atmshop and does nothing.\npackage main\n\nimport (\n")
	imports := 0
	for _, pkg := range strings.Fields(out) {
		// Internal and vendored packages cannot be imported from here; each
		// is imported by packages of its own tree that are.
		if pkg == "internal" || strings.HasPrefix(pkg, "internal/") || strings.Contains(pkg, "/internal/") || strings.HasSuffix(pkg, "/internal") || strings.HasPrefix(pkg, "vendor/") {
			continue
		}
		fmt.Fprintf(&src, "\t_ %q\n", pkg)
		imports++
	}
	src.WriteString(")\n\nfunc main() {}\n")
	dir := filepath.Join(b.work, name+"-src")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, err
	}
	mainGo := filepath.Join(dir, "main.go")
	if err := os.WriteFile(mainGo, []byte(src.String()), 0o600); err != nil {
		return nil, 0, err
	}
	// A folder the module does not have: the overlay adds it.
	pkgDir := filepath.Join("bin", "bench-"+name)
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(b.root, pkgDir, "main.go"): mainGo}})
	if err != nil {
		return nil, 0, err
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		return nil, 0, err
	}
	exe, err := b.goBuild(ctx, env, name, "-overlay", overlayFile, "./"+filepath.ToSlash(pkgDir))
	if err != nil {
		return nil, 0, err
	}
	return &program{dir: dir, exe: exe}, imports, nil
}
