package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"atmshop/conf"
)

// The shipped rotation: 5 MB files.
const logSizeMB = 5

// measureLogging writes b.opts.logLines entries through conf.NewLogger,
// as the app logs a transfer, with the file level at info (every line
// written, rotating every 5 MB) and at error (no line written), and checks
// that every line of the first run is in the files.
func measureLogging(ctx context.Context, b *bench) error {
	n := b.opts.logLines
	// Enough backups that rotation deletes nothing, so every line can be
	// counted; lumberjack still looks for old files to delete after each
	// write, as with the shipped 5.
	const backups = 1000
	b.logf("logging: %s lines at file level info, rotating at %d MB", count(n), logSizeMB)
	dir := filepath.Join(b.work, "log-info")
	on, err := logLines(ctx, conf.Logging{Dir: dir, File: "all2.log", MaxSizeMB: logSizeMB, MaxBackups: backups,
		ConsoleLevel: logrus.WarnLevel, FileLevel: logrus.InfoLevel}, n)
	if err != nil {
		return err
	}
	files, found, dups, bytes, err := countLines(dir, "all2", n)
	if err != nil {
		return err
	}
	onRate := float64(n) / on.Seconds()
	b.report.add(row{"Logging", fmt.Sprintf("%s info lines through conf.NewLogger to the file, rotating at %d MB", count(n), logSizeMB),
		fmt.Sprintf("%s (%s/line)", rate(onRate), dur(on/time.Duration(n))), "", "", ""})
	b.report.add(row{"Logging", "lines found in the log files afterwards",
		fmt.Sprintf("%s of %s in %d files (%s), %d repeated", count(found), count(n), files, mb(bytes), dups), "", "",
		verdict("no line lost", found == n && dups == 0)})

	b.logf("logging: %s lines at file level error", count(n))
	off, err := logLines(ctx, conf.Logging{Dir: filepath.Join(b.work, "log-error"), File: "all2.log", MaxSizeMB: logSizeMB, MaxBackups: backups,
		ConsoleLevel: logrus.WarnLevel, FileLevel: logrus.ErrorLevel}, n)
	if err != nil {
		return err
	}
	offRate := float64(n) / off.Seconds()
	b.report.add(row{"Logging", "the same lines with file_level = error (nothing written)",
		fmt.Sprintf("%s (%s/line)", rate(offRate), dur(off/time.Duration(n))),
		"file logging " + rate(onRate), ratio(offRate, onRate) + " (off/on)", ""})
	return nil
}

// logLines logs n entries shaped like the bank's transfer entries and
// returns how long it took.
func logLines(ctx context.Context, l conf.Logging, n int) (time.Duration, error) {
	logger, closer, err := conf.NewLogger(l, io.Discard)
	if err != nil {
		return 0, err
	}
	log := logger.WithField(conf.ComponentField, "core")
	start := time.Now()
	for i := range n {
		if i%1000 == 0 && ctx.Err() != nil {
			closer.Close()
			return 0, ctx.Err()
		}
		log.WithFields(logrus.Fields{"ref": fmt.Sprintf("t-%016x", i), "from": "alex", "to": "egon", "amount": "1.00", "seq": i}).Info("transfer")
	}
	elapsed := time.Since(start)
	return elapsed, closer.Close()
}

var seqField = regexp.MustCompile(` seq=(\d+)[ \]]`)

// countLines reads every file in dir whose name starts with prefix and
// counts the distinct seq numbers below n, and the repeated ones.
func countLines(dir, prefix string, n int) (files, found, dups int, size int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	seen := make([]bool, n)
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		files++
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return 0, 0, 0, 0, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			size += int64(len(sc.Bytes())) + 1
			m := seqField.FindSubmatch(sc.Bytes())
			if m == nil {
				continue
			}
			i, err := strconv.Atoi(string(m[1]))
			if err != nil || i < 0 || i >= n {
				continue
			}
			if seen[i] {
				dups++
			} else {
				seen[i] = true
				found++
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return 0, 0, 0, 0, err
		}
	}
	return files, found, dups, size, nil
}
