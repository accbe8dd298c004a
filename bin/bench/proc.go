package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// command runs name in dir (the current folder if empty) and returns its
// standard output; a failure carries its standard error.
func command(ctx context.Context, dir, name string, args ...string) (string, error) {
	return commandEnv(ctx, dir, nil, name, args...)
}

// commandEnv is command with env ("KEY=value") added to the environment,
// overriding what it sets.
func commandEnv(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// process is one finished run of a program.
type process struct {
	wall           time.Duration // from just before start to just after exit
	maxRSS         int64         // peak resident memory in bytes; 0 if unknown
	stdout, stderr string
	exit           int
}

// timed runs name in dir with stdin as its input (nil: the null device,
// which is at its end at once) and measures it. A non-zero exit status is
// not an error: the caller decides what the program should have done.
func timed(ctx context.Context, dir string, stdin io.Reader, name string, args ...string) (process, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	// The checks read the programs' English ("Goodbye."): atmshop follows
	// the locale, so a Chinese one would make every run look failed.
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	p := process{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String()}
	if cmd.ProcessState == nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	p.exit = cmd.ProcessState.ExitCode()
	p.maxRSS = maxRSS(cmd.ProcessState)
	if ctx.Err() != nil {
		return p, ctx.Err()
	}
	return p, nil
}

// buildStart builds ./bin/start once into the work folder.
func (b *bench) buildStart(ctx context.Context) (string, error) {
	if b.binary != "" {
		return b.binary, nil
	}
	exe, err := b.build(ctx, "./bin/start", "atmshop")
	b.binary = exe
	return exe, err
}

// build builds the app's package pkg into the work folder as name.
func (b *bench) build(ctx context.Context, pkg, name string) (string, error) {
	return b.goBuild(ctx, nil, name, pkg)
}

// goBuild runs "go build -o name args..." in the module's folder, with env
// added to go's environment, and returns the program's path in the work
// folder. args are build flags and then the package.
func (b *bench) goBuild(ctx context.Context, env []string, name string, args ...string) (string, error) {
	exe := filepath.Join(b.work, name)
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	b.logf("building %s", strings.Join(append(slices.Clone(env), args...), " "))
	start := time.Now()
	if _, err := commandEnv(ctx, b.root, env, "go", append([]string{"build", "-o", exe}, args...)...); err != nil {
		return "", err
	}
	b.logf("built %s in %s", exe, time.Since(start).Round(time.Millisecond))
	return exe, nil
}

// project makes a project folder under the work folder: conf/config.ini
// copied from the module's own, with db/ and log/ to be created by the
// program.
func (b *bench) project(name string) (string, error) {
	dir := filepath.Join(b.work, name)
	config, err := os.ReadFile(filepath.Join(b.root, "conf", "config.ini"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o700); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "conf", "config.ini"), config, 0o600)
}
