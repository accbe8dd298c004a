package conf

import (
	"errors"
	"net"
	"strconv"
	"time"
)

// Server is the [server] section: how bin/server serves the app over SSH.
type Server struct {
	// Listen is the TCP address to listen on, host:port.
	Listen string
	// HostKey is the absolute path of the server's private key, created
	// (ed25519, mode 0600) when missing.
	HostKey string
	// AuthorizedKeys is the absolute path of the OpenSSH authorized_keys
	// file naming the terminals allowed to connect; read at every
	// connection, so a key added there works without a restart.
	AuthorizedKeys string
	// MaxSessions is how many sessions may be open at once.
	MaxSessions int
	// IdleTimeout closes a session that has sent nothing for this long.
	IdleTimeout time.Duration
	// ConnectionsPerMinute is how many connections one address may open
	// per minute (and at once, in a burst).
	ConnectionsPerMinute int
}

// serverSection is [server]; settingsSections lists it.
var serverSection = section{"server", []setting{
	listenAddress("listen", "127.0.0.1:2222", func(c *Config, v string) { c.Server.Listen = v }),
	filePath("host_key", "conf/host_key", func(c *Config, v string) { c.Server.HostKey = v }),
	filePath("authorized_keys", "conf/authorized_keys", func(c *Config, v string) { c.Server.AuthorizedKeys = v }),
	wholeNumber("max_sessions", "100", 1, 100000, "sessions", func(c *Config, n int) { c.Server.MaxSessions = n }),
	wholeNumber("idle_timeout", "900", 1, maxSeconds, "seconds", func(c *Config, n int) {
		c.Server.IdleTimeout = time.Duration(n) * time.Second
	}),
	wholeNumber("connections_per_minute", "120", 1, 100000, "connections", func(c *Config, n int) { c.Server.ConnectionsPerMinute = n }),
}}

// listenAddress accepts host:port with a port from 0 to 65535 (0: any
// free port); the host may be empty for every interface.
func listenAddress(key, def string, set func(*Config, string)) setting {
	return setting{key, def, func(c *Config, v string) error {
		_, port, err := net.SplitHostPort(v)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			return errors.New("want host:port, such as 127.0.0.1:2222 or :2222 for every interface")
		}
		set(c, v)
		return nil
	}}
}

// filePath resolves a relative file path against the project root, as
// folder does for folders.
func filePath(key, def string, set func(*Config, string)) setting {
	return projectPath(key, def, "want a file path, absolute or relative to the project root", set)
}
