package conf

import (
	"fmt"
	"os"
	"runtime"

	"github.com/sirupsen/logrus"
)

// WarnIfDataFolderOpen logs one warning when other users of the machine
// may change the data folder dir (group or others may write it) or read
// what it holds: they may enter it and read one of its entries, a folder
// or a file with content. A folder that others may only list, holding
// nothing they may read (a fresh clone's db/, 0755 with an empty
// .gitkeep; the store makes its own folders 0700 and files 0600), exposes
// nothing and draws no warning. The folder is left as it is: it is the
// operator's to change. It logs nothing when dir is missing, and nothing
// on Windows, whose folders have no such modes.
func WarnIfDataFolderOpen(log logrus.FieldLogger, dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return
	}
	mode := info.Mode().Perm()
	what := ""
	switch {
	case mode&0o022 != 0:
		what = fmt.Sprintf("they may change it: mode %04o", mode)
	case mode&0o011 != 0: // others may enter it: what may they read inside?
		if name, entryMode, ok := readableEntry(dir, mode); ok {
			what = fmt.Sprintf("they may read %s: mode %04o, and %04o on the folder", name, entryMode, mode)
		}
	}
	if what != "" {
		log.Warnf("The data folder %s is open to other users of this machine (%s); run chmod -R go-rwx on it so that only this account can.", dir, what)
	}
}

// readableEntry finds an entry of dir that a class of other users (group,
// others) may read, given dir's mode: a folder, or a file with content, with
// that class's read bit, in a dir with its search bit.
func readableEntry(dir string, dirMode os.FileMode) (name string, mode os.FileMode, ok bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", 0, false
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !(info.IsDir() || info.Size() > 0) {
			continue
		}
		m := info.Mode().Perm()
		for _, class := range []struct{ search, read os.FileMode }{{0o010, 0o040}, {0o001, 0o004}} {
			if dirMode&class.search != 0 && m&class.read != 0 {
				return e.Name(), m, true
			}
		}
	}
	return "", 0, false
}
