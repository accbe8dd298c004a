package sshserve

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addressLimiter allows each client address (IP) a number of connections
// per minute, all of them at once if it likes (a token bucket).
type addressLimiter struct {
	perMinute int
	mu        sync.Mutex
	byIP      map[string]*rate.Limiter
	swept     time.Time
}

func newAddressLimiter(perMinute int) *addressLimiter {
	return &addressLimiter{perMinute: perMinute, byIP: map[string]*rate.Limiter{}}
}

func (l *addressLimiter) allow(addr net.Addr) bool {
	ip := addr.String()
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Once a minute, forget the addresses whose bucket has filled up
	// again: they are as if never seen, and the map stays small.
	if now.Sub(l.swept) > time.Minute {
		for k, lim := range l.byIP {
			if lim.TokensAt(now) >= float64(l.perMinute) {
				delete(l.byIP, k)
			}
		}
		l.swept = now
	}
	lim, ok := l.byIP[ip]
	if !ok {
		lim = rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)
		l.byIP[ip] = lim
	}
	return lim.AllowN(now, 1)
}
