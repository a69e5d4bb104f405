package driver

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Fast system calls.
//
// A system call made the ordinary way (syscall.Syscall) tells the runtime
// it entered and left the kernel. Entering wakes sysmon, the runtime's
// monitor thread, when it sleeps because every P was idle: an echo over
// one connection, idle between messages, so paid a futex wake and
// sysmon's two or three context switches per message, more than the
// echo's own read and write (2.4 context switches a message against
// gnet's 1.1, which waits in epoll_wait holding its P). The driver's
// data-path calls on its sockets (MSG_DONTWAIT) and epoll set return at
// once, so they may be made raw (syscall.RawSyscall), unseen by the
// runtime, as gnet makes its zero-timeout epoll_wait: nothing wakes
// sysmon.
//
// But sysmon is what preempts a goroutine that runs for more than 10 ms:
// left asleep, a handler that computes for a long time with GOMAXPROCS
// at 1 would keep the poller and every other goroutine from running until
// sysmon's next timer-bounded wake-up, up to a minute. So raw calls are
// made only while the guard below is armed, and the guard keeps sysmon's
// sleep short:
//
//   - Armed, the guard's timer is pending, at most guardPeriod away.
//     Sysmon, going to sleep with every P idle, sleeps only until the
//     next timer: it wakes within guardPeriod and preempts as usual.
//     The timer, firing, re-arms itself if a poller woke since it last
//     fired; otherwise it disarms the guard.
//   - A poller that finds the guard disarmed arms it, starting the
//     timer, and then makes one ordinary system call, which wakes sysmon
//     if it slept (on the old, longer, bound) before the timer existed;
//     only after that call is the guard published as armed, so no raw
//     call is made while sysmon may still be in that long sleep.
//
// Invariant: whenever guard.state is guardArmed, either a P is running
// Go code, or a guardFire goroutine is runnable, or the guard's timer is
// in the runtime's heap, at most guardPeriod away, and sysmon has been
// woken since the timer was started. The cost is one timer per
// guardPeriod while pollers are busy, against a futex wake per message.
//
// Raw calls are kept short: reads and writes of at most fastMax bytes;
// larger ones go the ordinary way, so that a long copy is seen by the
// runtime as a system call and its P can be handed off. They never block
// (MSG_DONTWAIT: see fastIO), and race builds make none.

// fastMax bounds the bytes of a raw read or write.
const fastMax = 256 << 10

// guardPeriod is how far ahead the guard's timer is set: sysmon's
// preemption threshold (10 ms).
const guardPeriod = 10 * time.Millisecond

const (
	guardOff = iota
	guardArming
	guardArmed
)

var guard struct {
	state  atomic.Int32
	active atomic.Bool // a poller woke since the timer last fired
	once   sync.Once
	timer  *time.Timer
	// trace, set by tests, is called as a poller arms the guard (true)
	// and as its timer disarms it (false).
	trace atomic.Pointer[func(armed bool)]
}

// guardTraced calls guard.trace, if set.
func guardTraced(armed bool) {
	if f := guard.trace.Load(); f != nil {
		(*f)(armed)
	}
}

// guardWake is a poller's call each time it looks for events: it marks
// the guard active, and arms it if it is not. It reports whether the
// guard is armed, so that raw calls may be made.
func guardWake() bool {
	if !guard.active.Load() { // pollers on other CPUs share the line: read it first
		guard.active.Store(true)
	}
	switch guard.state.Load() {
	case guardArmed:
		return true
	case guardArming:
		return false
	}
	if !guard.state.CompareAndSwap(guardOff, guardArming) {
		return guard.state.Load() == guardArmed
	}
	// The timer is made pending at the farthest time, where it never
	// fires, and set by Reset once guard.timer is set: guardFire reads it.
	guard.once.Do(func() {
		guard.timer = time.AfterFunc(time.Duration(math.MaxInt64), guardFire)
	})
	guard.timer.Reset(guardPeriod)
	// An ordinary system call (entersyscall): it wakes sysmon if it sleeps.
	unix.Syscall(unix.SYS_GETPID, 0, 0, 0)
	guard.state.Store(guardArmed)
	guardTraced(true)
	return true
}

// guardFire is the guard's timer: it re-arms it while pollers are busy,
// and disarms the guard once none woke for a whole period. Having
// disarmed it, it looks once more: a poller that woke between its first
// look and the disarming may have seen the guard armed and made raw
// calls, so the guard stays armed, its timer set, for that poller.
func guardFire() {
	if !guard.active.Swap(false) {
		guard.state.Store(guardOff)
		if !guard.active.Load() {
			guardTraced(false)
			return
		}
		// A poller woke between the look and the disarming and may have
		// seen the guard armed: keep it armed. Sysmon needs no waking:
		// the timer that ran this was pending, so any deep sleep of
		// sysmon's ended by its time, and this P, busy, keeps sysmon
		// from a new one until the Reset below.
		if !guard.state.CompareAndSwap(guardOff, guardArmed) {
			return // a poller is arming it
		}
	}
	guard.timer.Reset(guardPeriod)
}

// fastRead is read(2) on the socket fd: recvfrom with MSG_DONTWAIT, raw
// while the guard is armed and p is small (see fastIO).
func fastRead(fd int, p []byte) (int, error) {
	return fastIO(unix.SYS_RECVFROM, fd, p, unix.MSG_DONTWAIT, unix.Read)
}

// fastWrite is write(2) on the socket fd: sendto with MSG_DONTWAIT and
// MSG_NOSIGNAL, raw while the guard is armed and p is small (see fastIO).
func fastWrite(fd int, p []byte) (int, error) {
	return fastIO(unix.SYS_SENDTO, fd, p, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, slowWrite)
}

// slowWrite is unix.Write, for fastIO.
func slowWrite(fd int, p []byte) (int, error) { return unix.Write(fd, p) }

// fastIO makes the system call trap (recvfrom or sendto, with flags and
// no address) on fd and p: raw while the guard is armed and p is small,
// otherwise the ordinary way.
//
// A raw call that blocked would hold its P, and the next stop of the
// world would wait for it forever: the fd is the driver's, non-blocking,
// but one an os.File still holds turns blocking when its Fd method is
// called, and a Control function may clear O_NONBLOCK. So the call is
// recvfrom or sendto with MSG_DONTWAIT, which never blocks whatever the
// file's flags, and made the ordinary way too it keeps a poller from
// blocking on such an fd (MSG_NOSIGNAL: a send to a peer that has gone
// fails with EPIPE and raises no SIGPIPE, which on Linux, having no
// SO_NOSIGPIPE, nothing else keeps from a c-archive's host). Every fd
// the driver reads or writes is a socket (Adopt refuses others: its
// SO_ACCEPTCONN look fails); one that is not (ENOTSOCK) is read or
// written by slow (read or write).
//
// Race builds always call slow: x/sys's read and write tell the race
// detector what the call read or wrote, and that a write happens before
// the read that sees its bytes; raw calls would not. Their poller may
// block on an fd turned blocking, as before the raw calls.
func fastIO(trap uintptr, fd int, p []byte, flags int, slow func(int, []byte) (int, error)) (int, error) {
	if raceEnabled || len(p) == 0 {
		return slow(fd, p)
	}
	var r uintptr
	var e unix.Errno
	if len(p) <= fastMax && guard.state.Load() == guardArmed {
		r, _, e = unix.RawSyscall6(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(flags), 0, 0)
	} else {
		r, _, e = unix.Syscall6(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(flags), 0, 0)
	}
	switch e {
	case 0:
		return int(r), nil
	case unix.ENOTSOCK:
		return slow(fd, p)
	}
	return -1, e
}

// pollNow is epoll_wait(2) with a zero timeout, raw when raw is set.
// Race builds make it the ordinary way, as fastIO does.
func pollNow(epfd int, events []unix.EpollEvent, raw bool) (int, error) {
	if raceEnabled || !raw {
		return unix.EpollWait(epfd, events, 0)
	}
	// epoll_pwait with a NULL signal mask is epoll_wait, which arm64,
	// riscv64 and loong64 do not have.
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
