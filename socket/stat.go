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

// stats is a port's Stats as inet_drv keeps them (it keeps no deviation
// of sends). The maxima are 32 bits, which a read never exceeds, and only
// a single Send of 4 GiB or more would (it sticks at 2^32-1): inet_drv's
// are longs, but 64 bits here would put every port in the next size
// class, 16 bytes bigger.
type stats struct {
	recvOct, recvCnt uint64
	recvAvg, recvDvi float64
	sendOct, sendCnt uint64
	sendAvg          float64
	recvMax, sendMax uint32
}

// count adds a receive or send of n bytes to its direction's counts.
func count(oct, cnt *uint64, avg *float64, most *uint32, n int) {
	*oct += uint64(n)
	*cnt++
	*most = uint32(max(uint64(*most), min(uint64(n), math.MaxUint32)))
	*avg += (float64(n) - *avg) / float64(*cnt)
}

func (st *stats) input(n int) {
	count(&st.recvOct, &st.recvCnt, &st.recvAvg, &st.recvMax, n)
	st.recvDvi += (math.Abs(float64(n)-st.recvAvg) - st.recvDvi) / float64(st.recvCnt)
}

func (st *stats) output(n int) { count(&st.sendOct, &st.sendCnt, &st.sendAvg, &st.sendMax, n) }

// GetStat is inet:getstat(Socket).
func (s *Socket) GetStat() (Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return Stats{}, &Error{Op: "getstat", Err: unix.EINVAL}
	}
	q, _ := s.pool().Queued(s.h)
	st := &s.stats
	return Stats{
		RecvOct: st.recvOct, RecvCnt: st.recvCnt, RecvMax: uint64(st.recvMax), RecvAvg: uint64(st.recvAvg), RecvDvi: uint64(st.recvDvi),
		SendOct: st.sendOct, SendCnt: st.sendCnt, SendMax: uint64(st.sendMax), SendAvg: uint64(st.sendAvg), SendPend: uint64(q),
	}, nil
}
