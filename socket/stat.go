package socket

import (
	"math"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/unix"

	"github.com/otpnet/otpnet/inet"
)

// Stats is inet:getstat(Socket): counts of the socket's traffic, as
// inet_drv keeps them. A receive is one packet delivered, to the owner as
// a message or to a Recv (with its header: a {packet, 4} packet of 5
// bytes counts 9), as inet_drv's inet_input_count counts them: bytes read
// but not yet delivered, a partial packet, count nothing. So RecvCnt is
// the number of messages the port has delivered. A send is one Send call.
// avg and dvi are running means of their sizes and of the sizes' signed
// distance from that mean, of which getstat reports the magnitude.
//
// A TLS port (socket/ssl) counts its transport's traffic, as OTP's
// ssl:getstat does: the encrypted bytes, a receive per read.
type Stats struct {
	RecvOct, RecvCnt, RecvMax, RecvAvg, RecvDvi uint64
	SendOct, SendCnt, SendMax, SendAvg          uint64
	SendPend                                    uint64 // bytes queued in the port
}

// stats is a port's Stats as inet_drv keeps them (it keeps no deviation
// of sends). The maxima are 32 bits, which a read never exceeds, and only
// a single Send of 4 GiB or more would (it sticks at 2^32-1): inet_drv's
// are longs, but 64 bits here would put every port in the next size
// class, 16 bytes bigger.
type stats struct {
	recv             counter
	recvDvi          float64
	send             counter
	recvMax, sendMax uint32
}

type counter struct {
	oct, cnt uint64
	avg      float64
}

// add counts a receive or send of n bytes, and keeps most as the largest.
func (c *counter) add(n int, most *uint32) {
	c.oct += uint64(n)
	c.cnt++
	c.avg += (float64(n) - c.avg) / float64(c.cnt)
	*most = uint32(max(uint64(*most), min(uint64(n), math.MaxUint32)))
}

// input counts a receive of n bytes: a packet delivered or, for a port
// with a layer, a read.
func (st *stats) input(n int) {
	st.recv.add(n, &st.recvMax)
	st.recvDvi += ((float64(n) - st.recv.avg) - st.recvDvi) / float64(st.recv.cnt)
}

func (st *stats) output(n int) { st.send.add(n, &st.sendMax) }

// GetStat is inet:getstat(Socket).
func (s *Socket) GetStat() (Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() {
		return Stats{}, &inet.Error{Op: "getstat", Err: unix.EINVAL}
	}
	return s.statsLocked(), nil
}

// statsLocked is the socket's Stats. The caller holds s.mu.
func (s *Socket) statsLocked() Stats {
	q, _ := s.pool().Queued(s.h)
	st, r, w := &s.stats, &s.stats.recv, &s.stats.send
	return Stats{
		RecvOct: r.oct, RecvCnt: r.cnt, RecvMax: uint64(st.recvMax), RecvAvg: uint64(r.avg), RecvDvi: uint64(math.Abs(st.recvDvi)),
		SendOct: w.oct, SendCnt: w.cnt, SendMax: uint64(st.sendMax), SendAvg: uint64(w.avg), SendPend: uint64(q),
	}
}

// Info is inet:info(Socket) of the inet backend: the socket's owner, its
// states and its counters.
type Info struct {
	Owner *actor.PID
	// States are what inet_drv says of the port, in the order OTP 25
	// prints them: "accepting" (an Accept waits), "busy" (sends wait),
	// "connected", "listen", "open"; none once a send timeout closed the
	// connection (SendTimeoutClose); "closed" alone for a closed socket,
	// which has nothing else.
	States   []string
	Counters Stats
}

// Info is inet:info(Socket). Unlike the other calls it answers for a
// closed socket too, as OTP 25 does since OTP-17492: its States are
// "closed".
func (s *Socket) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.infoLocked()
}

// infoLocked is Info. The caller holds s.mu.
func (s *Socket) infoLocked() Info {
	if s.closed() {
		return Info{States: []string{"closed"}}
	}
	var states []string
	switch {
	case s.listener && s.ext.accepts != nil && len(s.ext.accepts.waits) > 0:
		states = []string{"accepting", "listen", "open"}
	case s.listener:
		states = []string{"listen", "open"}
	case s.unconnected():
		states = []string{}
	case s.busyChan() != nil:
		states = []string{"busy", "connected", "open"}
	default:
		states = []string{"connected", "open"}
	}
	return Info{Owner: s.owner, States: states, Counters: s.statsLocked()}
}
