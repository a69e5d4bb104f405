package socket

import (
	"math"

	"golang.org/x/sys/unix"
)

// Stats is inet:getstat(Socket): counts of the socket's traffic, as
// inet_drv keeps them. A receive is one read from the kernel, a send one
// Send call; avg and dvi are running means of their sizes and of the
// sizes' distance from that mean.
type Stats struct {
	RecvOct, RecvCnt, RecvMax, RecvAvg, RecvDvi uint64
	SendOct, SendCnt, SendMax, SendAvg          uint64
	SendPend                                    uint64 // bytes queued in the port
}

type stats struct {
	recv    counter
	recvDvi float64 // inet_drv keeps no deviation of sends
	send    counter
}

type counter struct {
	oct, cnt, max uint64
	avg           float64
}

func (c *counter) add(n int) {
	u := uint64(n)
	c.oct += u
	c.cnt++
	c.max = max(c.max, u)
	c.avg += (float64(n) - c.avg) / float64(c.cnt)
}

func (st *stats) input(n int) {
	st.recv.add(n)
	st.recvDvi += (math.Abs(float64(n)-st.recv.avg) - st.recvDvi) / float64(st.recv.cnt)
}

func (st *stats) output(n int) { st.send.add(n) }

// GetStat is inet:getstat(Socket).
func (s *Socket) GetStat() (Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return Stats{}, &Error{Op: "getstat", Err: unix.EINVAL}
	}
	q, _ := s.pool().Queued(s.h)
	r, w := s.stats.recv, s.stats.send
	return Stats{
		RecvOct: r.oct, RecvCnt: r.cnt, RecvMax: r.max, RecvAvg: uint64(r.avg), RecvDvi: uint64(s.stats.recvDvi),
		SendOct: w.oct, SendCnt: w.cnt, SendMax: w.max, SendAvg: uint64(w.avg), SendPend: uint64(q),
	}, nil
}
