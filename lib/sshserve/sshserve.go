// Package sshserve serves interactive sessions over SSH, with
// golang.org/x/crypto/ssh: logins by public key against an OpenSSH
// authorized_keys file, a line-editing terminal when the client asks for a
// pty and a plain pipe when it does not, limits (sessions at once,
// connections per address, idle time), a panic that ends only its own
// session, and a stop that lets sessions finish. It knows nothing about
// what the sessions do: a Handler does that.
package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"

	"atmshop/lib/wideterm"
)

// Config is what a Server needs.
type Config struct {
	// HostKey is the server's identity.
	HostKey ssh.Signer
	// AuthorizedKeys is the path of the authorized_keys file, read at every
	// login, so a key added there works without a restart.
	AuthorizedKeys string
	// MaxSessions is how many sessions may be open at once.
	MaxSessions int
	// IdleTimeout closes a connection whose client has sent nothing for
	// this long.
	IdleTimeout time.Duration
	// ConnectionsPerMinute is how many connections one address may open
	// per minute, and at once.
	ConnectionsPerMinute int
	// Log receives the server's lines; each session's carry its id and the
	// remote address.
	Log *logrus.Entry
	// AcceptEnv says which variables a client may send for its session
	// (as sshd_config's AcceptEnv); other "env" requests are refused.
	AcceptEnv func(name string) bool
}

// Limits on what a client may send as its environment.
const (
	maxEnv      = 32
	maxEnvValue = 256
)

// Session is one interactive session, as its Handler sees it.
type Session struct {
	// Log carries the session's id and remote address (the connection's
	// line carries the client's user name and key fingerprint).
	Log *logrus.Entry
	// Terminal is the line editor on the session when the client asked for
	// a pty (its size follows the client's window); nil otherwise.
	Terminal *wideterm.Terminal
	// Env holds the environment the client sent before the shell started
	// ("env" requests, such as OpenSSH's SendEnv LANG LC_*), and TERM from
	// its pty request. Only names in Config.AcceptEnv are kept.
	Env map[string]string
	// Stdin and Stdout are the channel's streams: use them when Terminal
	// is nil. A write that fails (the client is gone) is logged once.
	Stdin  io.Reader
	Stdout io.Writer
	// Stopping is closed when the server starts to stop: finish what is
	// under way, tell the person, and return.
	Stopping <-chan struct{}
}

// Handler runs a session and returns its exit status. ctx ends when the
// connection does.
type Handler func(ctx context.Context, s *Session) (exitStatus int)

// ExitPanic is the exit status of a session whose handler panicked.
const ExitPanic = 70 // EX_SOFTWARE

// Server serves Handler to the clients of Config.AuthorizedKeys.
type Server struct {
	cfg     Config
	handler Handler
	limiter *addressLimiter

	mu       sync.Mutex
	listener net.Listener
	conns    map[*ssh.ServerConn]bool
	sessions int            // open, counted against MaxSessions
	running  sync.WaitGroup // sessions whose channel is not yet closed
	nextID   int
	stopping chan struct{}
	idle     sync.WaitGroup // every connection's goroutines
}

// New returns a server; call Serve.
func New(cfg Config, handler Handler) *Server {
	return &Server{
		cfg:      cfg,
		handler:  handler,
		limiter:  newAddressLimiter(cfg.ConnectionsPerMinute),
		conns:    map[*ssh.ServerConn]bool{},
		stopping: make(chan struct{}),
	}
}

// ErrStopped is what Serve returns after Shutdown.
var ErrStopped = errors.New("sshserve: server stopped")

// Serve accepts connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	select {
	case <-s.stopping:
		s.mu.Unlock()
		l.Close()
		return ErrStopped
	default:
	}
	s.listener = l
	s.mu.Unlock()
	config := s.sshConfig()
	for {
		conn, err := l.Accept()
		if err != nil {
			select {
			case <-s.stopping:
				return ErrStopped
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond) // e.g. out of file descriptors: back off
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		if !s.limiter.allow(conn.RemoteAddr()) {
			s.cfg.Log.WithField("remote", conn.RemoteAddr().String()).Warn("refused a connection: too many from this address in the last minute")
			conn.Close()
			continue
		}
		s.idle.Add(1)
		go func() {
			defer s.idle.Done()
			s.serveConn(conn, config)
		}()
	}
}

// Shutdown stops accepting connections, tells every session the server is
// stopping (Session.Stopping), waits for them to end and closes the
// connections. When ctx ends first, the connections are closed at once and
// ctx's error returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	select {
	case <-s.stopping:
	default:
		close(s.stopping)
	}
	if s.listener != nil {
		s.listener.Close()
	}
	s.mu.Unlock()
	// No session starts from now on (openSession), so the wait is for
	// those open: each ends after its exit status is sent.
	ended := make(chan struct{})
	go func() { s.running.Wait(); close(ended) }()
	var err error
	select {
	case <-ended:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.idle.Wait()
	return err
}

func (s *Server) sshConfig() *ssh.ServerConfig {
	config := &ssh.ServerConfig{
		// Only keys: no passwords, so the bank's password is never an
		// SSH password.
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			fingerprint := ssh.FingerprintSHA256(key)
			ok, err := authorized(s.cfg.AuthorizedKeys, key)
			if err != nil {
				s.cfg.Log.WithError(err).Error("cannot read the authorized keys: nobody can connect")
			}
			if !ok {
				s.cfg.Log.WithFields(logrus.Fields{"remote": meta.RemoteAddr().String(), "user": meta.User(), "fingerprint": fingerprint}).Warn("refused a key that is not in the authorized keys")
				return nil, errors.New("key not authorized")
			}
			return &ssh.Permissions{Extensions: map[string]string{"fingerprint": fingerprint}}, nil
		},
		ServerVersion: "SSH-2.0-atmshop",
	}
	config.AddHostKey(s.cfg.HostKey)
	return config
}

// handshakeTimeout ends a handshake that does not finish, so a client that
// connects and says nothing does not hold a goroutine for ever.
const handshakeTimeout = 30 * time.Second

func (s *Server) serveConn(conn net.Conn, config *ssh.ServerConfig) {
	remote := conn.RemoteAddr().String()
	_ = conn.SetDeadline(time.Now().Add(handshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		s.cfg.Log.WithError(err).WithField("remote", remote).Info("handshake failed")
		conn.Close()
		return
	}
	_ = conn.SetDeadline(time.Time{})
	s.mu.Lock()
	select {
	case <-s.stopping:
		// Shutdown has closed the connections it knew: this one, which
		// finished its handshake since, is closed here.
		s.mu.Unlock()
		sconn.Close()
		return
	default:
	}
	s.nextID++
	id := "s" + strconv.Itoa(s.nextID)
	s.conns[sconn] = true
	s.mu.Unlock()
	fingerprint := sconn.Permissions.Extensions["fingerprint"]
	log := s.cfg.Log.WithFields(logrus.Fields{"session": id, "remote": remote})
	log.WithFields(logrus.Fields{"user": sconn.User(), "fingerprint": fingerprint}).Info("connected")
	started := time.Now()

	ctx, cancel := context.WithCancel(context.Background())
	idle := time.AfterFunc(s.cfg.IdleTimeout, func() {
		log.WithField("idle_timeout", s.cfg.IdleTimeout).Info("closing an idle connection")
		sconn.Close()
	})
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	n := 0
	for nc := range chans {
		n++
		sessionID := id
		if n > 1 {
			sessionID = id + "." + strconv.Itoa(n)
		}
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions are served")
			continue
		}
		if !s.openSession() {
			log.Warn("refused a session: the server is stopping or has max_sessions open")
			nc.Reject(ssh.ResourceShortage, "the server is busy or stopping; try again later")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			s.closeSession()
			s.running.Done()
			continue
		}
		sess := &Session{
			Log:      s.cfg.Log.WithFields(logrus.Fields{"session": sessionID, "remote": remote}),
			Stopping: s.stopping,
			Env:      map[string]string{},
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.running.Done()
			// The slot is freed before the client hears the exit status,
			// so that it may open the next session at once.
			release := sync.OnceFunc(s.closeSession)
			defer release()
			s.serveChannel(ctx, sess, ch, chReqs, func() { idle.Reset(s.cfg.IdleTimeout) }, release)
		}()
	}
	// The client has gone (or was closed): end what it left running.
	cancel()
	idle.Stop()
	wg.Wait()
	sconn.Close()
	s.mu.Lock()
	delete(s.conns, sconn)
	s.mu.Unlock()
	log.WithFields(logrus.Fields{"fingerprint": fingerprint, "duration": time.Since(started).Round(time.Millisecond)}).Info("disconnected")
}

func (s *Server) openSession() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stopping:
		return false
	default:
	}
	if s.sessions >= s.cfg.MaxSessions {
		return false
	}
	s.sessions++
	s.running.Add(1) // under mu, before Shutdown can close stopping and wait
	return true
}

func (s *Server) closeSession() {
	s.mu.Lock()
	s.sessions--
	s.mu.Unlock()
}

// serveChannel answers the session's requests and, at "shell", runs the
// handler; release frees the session's slot once the handler is done.
func (s *Server) serveChannel(ctx context.Context, sess *Session, ch ssh.Channel, reqs <-chan *ssh.Request, active, release func()) {
	stream := &channelStream{ch: ch, active: active, log: sess.Log}
	done := make(chan int, 1)
	started := false
	for {
		select {
		case status := <-done:
			release()
			sendExit(ch, status)
			ch.Close()
			go ssh.DiscardRequests(reqs)
			return
		case req, ok := <-reqs:
			if !ok {
				// The client closed the channel.
				if started {
					<-done
				}
				ch.Close()
				return
			}
			switch {
			case req.Type == "pty-req" && !started:
				var p struct {
					Term                         string
					Columns, Rows, Width, Height uint32
					Modes                        string
				}
				if err := ssh.Unmarshal(req.Payload, &p); err != nil {
					req.Reply(false, nil)
					continue
				}
				if len(p.Term) <= maxEnvValue {
					sess.Env["TERM"] = p.Term
				}
				sess.Terminal = wideterm.NewTerminal(stream, "")
				_ = sess.Terminal.SetSize(windowSize(p.Columns, p.Rows))
				req.Reply(true, nil)
			case req.Type == "window-change":
				var w struct{ Columns, Rows, Width, Height uint32 }
				if err := ssh.Unmarshal(req.Payload, &w); err == nil && sess.Terminal != nil {
					_ = sess.Terminal.SetSize(windowSize(w.Columns, w.Rows))
				}
				req.Reply(false, nil) // window-change wants no reply; Reply ignores it then
			case req.Type == "shell" && !started:
				started = true
				req.Reply(true, nil)
				sess.Stdin, sess.Stdout = stream, stream
				go func() { done <- s.run(ctx, sess) }()
			case req.Type == "env" && !started:
				var e struct{ Name, Value string }
				ok := ssh.Unmarshal(req.Payload, &e) == nil && len(sess.Env) < maxEnv && len(e.Value) <= maxEnvValue &&
					s.cfg.AcceptEnv != nil && s.cfg.AcceptEnv(e.Name)
				if ok {
					sess.Env[e.Name] = e.Value
				}
				req.Reply(ok, nil)
			default:
				// exec, subsystem, x11, agent forwarding: not served.
				req.Reply(false, nil)
			}
		}
	}
}

// windowSize turns a client's window into the terminal's columns and
// rows; a client that says 0 gets 80×24.
func windowSize(columns, rows uint32) (int, int) {
	w, h := int(columns), int(rows)
	if w <= 0 || w > 10000 {
		w = 80
	}
	if h <= 0 || h > 10000 {
		h = 24
	}
	return w, h
}

// run runs the handler; a panic ends the session, not the server.
func (s *Server) run(ctx context.Context, sess *Session) (status int) {
	sess.Log.Info("session started")
	defer func() {
		if p := recover(); p != nil {
			sess.Log.WithFields(logrus.Fields{"panic": fmt.Sprint(p), "stack": string(debug.Stack())}).Error("the session panicked and was ended")
			msg := "\nSorry, something went wrong on our side; this session ends. Please connect again.\n"
			if sess.Terminal != nil {
				fmt.Fprint(sess.Terminal, msg)
			} else {
				fmt.Fprint(sess.Stdout, msg)
			}
			status = ExitPanic
		}
		sess.Log.WithField("exit_status", status).Info("session ended")
	}()
	return s.handler(ctx, sess)
}

func sendExit(ch ssh.Channel, status int) {
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
}

// channelStream is a session channel that counts what the client sends as
// activity, and logs the first write that fails.
type channelStream struct {
	ch     ssh.Channel
	active func()
	log    *logrus.Entry
	failed sync.Once
}

func (c *channelStream) Read(p []byte) (int, error) {
	n, err := c.ch.Read(p)
	if n > 0 {
		c.active()
	}
	return n, err
}

func (c *channelStream) Write(p []byte) (int, error) {
	n, err := c.ch.Write(p)
	if err != nil {
		// What could not be sent may be a confirmation: the operator
		// reads here what the person did not see.
		c.failed.Do(func() {
			c.log.WithError(err).WithField("unsent", excerpt(p)).Warn("could not send to the client; it has gone")
		})
	}
	return n, err
}

// excerpt is the start of what could not be sent, for the log.
func excerpt(p []byte) string {
	const max = 200
	if len(p) > max {
		return string(p[:max]) + "…"
	}
	return string(p)
}
