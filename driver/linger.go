package driver

import (
	"os"
	"sync"
)

// lingerers close the fds whose close(2) may linger, each on a goroutine
// of its own, so that no poller waits in one for up to the linger time,
// its other sockets unserved, and no lock is held across one. The pool
// owns them: Stop waits for them.
//
// OTP 25 differs by backend. inet_drv closes the fd in its stop_select
// callback (desc_close's driver_select(ERL_DRV_USE, 0)), on a scheduler
// thread, and that thread waits in close(2) for up to the linger time:
// with one scheduler (+S 1), no process runs until gen_tcp:close returns,
// nor while a port dies. socket:close waits as long, but no scheduler
// does. Here a poller is the scheduler, and the driver does as the socket
// module does: a close that may linger never runs on a poller, and a
// caller that closes (CloseDrain, CloseLinger) still returns only once
// close(2) has, as gen_tcp:close and socket:close do.
type lingerers struct {
	mu      sync.Mutex // guards stopped and the WaitGroup's Add
	wg      sync.WaitGroup
	stopped bool
}

// close closes fd (through f, if not nil: closeFd), then done. Once stopped, it closes fd in the calling
// goroutine: only a syscall that was in flight when Stop closed its socket
// (an Accept's or a Do's, never a poller's: they have stopped) comes here
// then.
func (l *lingerers) close(fd int, f *os.File, done chan struct{}) {
	l.mu.Lock()
	stopped := l.stopped
	if !stopped {
		l.wg.Add(1)
	}
	l.mu.Unlock()
	if stopped {
		lingerClose(fd, f, done)
		return
	}
	go func() {
		defer l.wg.Done()
		lingerClose(fd, f, done)
	}()
}

// lingerClose makes fd blocking, closes it, and then done. No raw
// socket's op runs on it by then: the last Do's release closes the slot.
func lingerClose(fd int, f *os.File, done chan struct{}) {
	blockForLinger(fd)
	_ = closeFd(fd, f)
	close(done)
}

// stop waits for the lingering closes under way.
func (l *lingerers) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.wg.Wait()
}
