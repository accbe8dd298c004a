//go:build !linux && !darwin

package docstore

// bootIdentity returns "": on this system the store knows no cheap
// identity of the boot, so Open always replays the whole journal.
func bootIdentity() string { return "" }
