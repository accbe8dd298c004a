package conf_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atmshop/conf"
)

func TestServerDefaults(t *testing.T) {
	c := load(t, "[DEFAULT]\n")
	got := c.Server
	want := conf.Server{
		Listen:               "127.0.0.1:2222",
		HostKey:              filepath.Join(c.Root, "conf", "host_key"),
		AuthorizedKeys:       filepath.Join(c.Root, "conf", "authorized_keys"),
		MaxSessions:          100,
		IdleTimeout:          900 * time.Second,
		ConnectionsPerMinute: 120,
	}
	if got != want {
		t.Errorf("[server] defaults: got %+v, want %+v", got, want)
	}
}

func TestServerSettings(t *testing.T) {
	c := load(t, "[server]\nlisten = :0\nhost_key = /etc/atm/key\nauthorized_keys = keys/terminals\nmax_sessions = 7\nidle_timeout = 60\nconnections_per_minute = 3\n")
	got := c.Server
	want := conf.Server{
		Listen:               ":0",
		HostKey:              "/etc/atm/key",
		AuthorizedKeys:       filepath.Join(c.Root, "keys", "terminals"),
		MaxSessions:          7,
		IdleTimeout:          time.Minute,
		ConnectionsPerMinute: 3,
	}
	if got != want {
		t.Errorf("[server]: got %+v, want %+v", got, want)
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct{ content, want string }{
		{"[server]\nlisten = 2222\n", `[server] listen = "2222": want host:port`},
		{"[server]\nlisten = host:99999\n", `[server] listen = "host:99999": want host:port`},
		{"[server]\nhost_key =\n", `[server] host_key = "": want a file path`},
		{"[server]\nmax_sessions = 0\n", `[server] max_sessions = "0": want a whole number of sessions from 1`},
		{"[server]\nidle_timeout = soon\n", `[server] idle_timeout = "soon": want a whole number of seconds`},
		{"[server]\nport = 22\n", `[server] "port": unknown key; [server] takes listen, host_key, authorized_keys, max_sessions, idle_timeout, connections_per_minute`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := conf.Load(writeConfig(t, tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
