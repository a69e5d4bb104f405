// Package driver is otpnet's C-like socket driver: what inet_drv.c is to the
// BEAM. A fixed pool of poller goroutines, each with its own epoll set, serves
// every registered socket; an idle connection owns no goroutine and no read
// buffer. That is the epoll backend, Linux's; elsewhere the portable backend
// or the poll backend serves (see Backends).
//
// # Model
//
// A Pool holds N pollers (default GOMAXPROCS). Listen, Dial, Accept and Adopt
// register a file descriptor with one of them, chosen round-robin, and return
// a Handle. Handles are a slot index plus a generation, never a raw fd: once a
// socket is closed every later call with its handle answers ErrClosed, and a
// new socket that the kernel gives the same fd number never sees the old
// one's events or writes.
//
// Sockets are registered edge-triggered with EPOLLRDHUP. Each poller reads
// into one shared 64 KiB buffer and hands the bytes to the socket's Handler
// during the callback; the view is only valid until the callback returns.
// A handler pauses reading by returning false from OnRead (or the consumer
// calls Pause) and resumes with Resume: a paused socket costs nothing (no
// epoll_ctl, no busy loop), and Resume reads at once when data arrived or
// might be waiting, so no wake-up is lost. A handler that is also a
// BufferHandler may lend a buffer of its own for the next read instead
// (ReadBuffer, given back by OnReadInto): socket/ reads the rest of a
// large packet whose length it knows straight into place that way.
//
// Writes go from the caller's goroutine straight to the kernel while nothing
// is queued. What the kernel does not take is copied to the socket's queue,
// EPOLLOUT is armed, the poller flushes the queue with writev and disarms it
// when drained. Queued reports the queued byte count, and OnFlush tells the
// handler each time the poller drains some of it: socket/ builds watermarks
// and send_timeout on these.
//
// TryAccept accepts without waiting and, when no connection waits, has the
// listener's poller call back at its next readiness: socket/ serves a
// listening socket's queue of accepts (inet_drv's multi-accept queue) on
// it, with no goroutine behind a waiting accept. DialCancel is Dial that a
// channel can call off.
//
// Close closes a socket at once and never waits, so that handlers may
// call it; CloseDrain first lets the poller send what is queued. A
// close(2) that may linger (SO_LINGER on with a positive time: Linux then
// blocks in it, O_NONBLOCK or not, until the peer has acknowledged what
// the kernel holds, or the time has passed) runs on a goroutine of its
// own, never on a poller nor under a lock, and Stop waits for it.
// CloseDrain and CloseLinger return once it has ended.
//
// Raw sockets (Open, AcceptRaw) have no Handler and no poller: the
// callers' goroutines do their I/O with Do, and wait in Go's netpoller on
// the socket's os.File until a deadline, as a net.Conn's do, under both
// backends. They serve Erlang's socket module.
//
// The driver knows nothing of actors or framing.
//
// # Backends
//
// Where a poller's events come from is its backend's business; the rest
// (handles, pause and resume, the write queue, closes, the handler's
// ordering) is the same code under all three, and the same tests hold.
//
//   - epoll (Linux, and its default): as above, an epoll set per poller,
//     edge-triggered.
//
//   - portable (macOS and FreeBSD, where it is the default, and Linux):
//     Go's own netpoller (kqueue, epoll). Each socket's fd is an os.File;
//     when a read, accept, write or connect meets EAGAIN, a goroutine
//     waits on the file's syscall.RawConn, parked in the netpoller with
//     no thread, and hands the readiness to the socket's poller, which
//     runs it as the epoll backend's does, on the same goroutines. A
//     connection waiting for data so holds one parked goroutine (about
//     3.3 KB more than under epoll; see the README for the measured
//     cost), and one with writes queued a second one while they wait. A
//     connection paused while idle (its last read met EAGAIN) keeps its
//     waiting goroutine until data comes; one paused with data still
//     unread holds none. A close wakes them and waits until they have
//     left the fd, which it closes before it returns, as under epoll.
//
//   - poll (Windows, where it is the only one, on WSAPoll; and Unix):
//     each poller waits in poll(2) on the sockets that want an event now
//     and a wake-up fd (a pipe; on Windows a connected pair of loopback
//     UDP sockets, as WSAPoll takes only sockets). poll is
//     level-triggered, so interest is one-shot, as under the portable
//     backend: a call that met EAGAIN puts its socket in the set for that
//     direction, queued writes put it there for writing, and an event
//     takes it out again. A paused socket, or one with nothing to wait
//     for, is not in the set, so it makes no busy loop; an idle
//     connection owns no goroutine. A socket whose error poll reports
//     at every call while its calls meet EAGAIN (a UDP socket with
//     IP_RECVERR and an ICMP error queued) is held out of the set for
//     10 ms after each such error, so a call waiting on it retries every
//     10 ms instead of spinning, and data for it may wait that long. Each
//     poll costs O(the sockets in the set). A Close from another
//     goroutine than the socket's poller waits until the poller has
//     left a poll that holds the socket: poll keeps a reference to each
//     file it waits on, so the close would not free the port nor send
//     the FIN before.
//
// Backend chooses for NewPool; the default pool (Default) takes the
// environment variable OTPNET_DRIVER (DriverEnv): OTPNET_DRIVER=portable
// or OTPNET_DRIVER=poll runs otpnet on that backend on Linux too, as the
// CI does for the driver, socket and supervisor suites (portable) and
// the driver and socket suites (poll).
//
// Linux, macOS, FreeBSD and Windows build and vet in CI (the suites run
// on Linux only). On Windows the poll backend serves, on WSAPoll: the
// portable backend waits for a socket's readiness, and Windows'
// netpoller (IOCP) tells completions, which say when a read can go on
// but not when a write or an accept can. The poll backend's logic is
// tested on Linux, with poll(2) and with the UDP wake-up pair; it has
// never run on Windows here. Raw sockets (Open, Do) do not run on
// Windows under any backend: they wait in Go's netpoller through an
// os.File's RawConn, which cannot wait for a SOCKET to be writable
// there, so registering one answers EOPNOTSUPP. The socket calls the
// OS-neutral code makes are Winsock's there (internal/unix), an fd being
// a SOCKET handle held in an int. Other systems do not build:
//
//   - NetBSD: golang.org/x/sys/unix has no IP_RECVTOS there (socket's
//     recvtos option).
//   - OpenBSD: package syscall has no ENOLINK (nor EMULTIHOP) there
//     (inet's errno table).
//   - Solaris and illumos: golang.org/x/sys/unix has no SO_REUSEPORT (nor
//     SYS_SETSOCKOPT) there (socket's reuseport option).
//
// # Concurrency
//
// All Pool methods may be called from any goroutine. Handler methods run on
// the socket's poller goroutine, one at a time per poller; they must not
// block, and must not call the blocking methods (Accept, Dial, CloseDrain,
// CloseLinger, Do). So does TryAccept's notify.
//
// # Deadlines
//
// Blocking calls (Accept, Dial, CloseDrain, Do) wait on Go runtime timers in
// the caller's goroutine. A timer wheel on the poller would save the timer's
// allocation but makes every poller iteration pay for it; runtime timers are
// cheap enough (see BenchmarkRuntimeTimer) and cost nothing while unused.
package driver
