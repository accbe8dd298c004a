package conf

import (
	"os"
	"runtime"

	"github.com/sirupsen/logrus"
)

// WarnIfDataFolderOpen logs one warning when the data folder dir exists and
// other users of the machine may read or write it (group or others have r
// or w). The folder is left as it is: it is the operator's to change. It
// logs nothing when dir is missing, and nothing on Windows, whose folders
// have no such modes.
func WarnIfDataFolderOpen(log logrus.FieldLogger, dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm()&0o066 == 0 {
		return
	}
	log.Warnf("The data folder %s can be read or written by other users of this machine (mode %04o); run chmod 700 on it so that only this account can.", dir, info.Mode().Perm())
}
