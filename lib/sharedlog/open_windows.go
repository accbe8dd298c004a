package sharedlog

import (
	"os"

	"golang.org/x/sys/windows"
)

// openAppend opens the log file at path for appending (FILE_APPEND_DATA
// without FILE_WRITE_DATA, as os.OpenFile does for O_APPEND) and reading.
// Unlike os.OpenFile it shares the file for deletion (FILE_SHARE_DELETE),
// so that the process that rotates can rename the file while other
// processes hold it open; they find it renamed at their next write and
// open the new one.
func openAppend(path string) (*os.File, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(name,
		windows.GENERIC_READ|windows.FILE_APPEND_DATA|windows.FILE_WRITE_ATTRIBUTES|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_ALWAYS, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}
