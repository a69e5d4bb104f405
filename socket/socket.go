package socket

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket/internal/layer"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// Caller is the process that makes a call, Erlang's self(): an actor's
// actor.Context, or an otpnet actor.Process for plain goroutines. The
// socket it opens or accepts is owned by Caller.Self().
type Caller interface {
	Self() *actor.PID
	ActorSystem() *actor.ActorSystem
}

// Socket is a port: a listening or connected TCP socket owned by a process,
// served by the driver pool. Its events arrive in the owner's mailbox as
// *TCP, *TCPClosed, *TCPError, *TCPPassive and *HTTP messages when it is
// active; when it is passive its owner calls Recv. Multiple goroutines may
// invoke methods on a Socket simultaneously.
type Socket struct {
	h   driver.Handle
	sys *actor.ActorSystem

	mu     sync.Mutex
	owner  *actor.PID
	inbox  otpactor.Mailbox // the owner's: where the port's messages go
	active Mode             // the active option, which may change with every packet
	opts   *portOpts        // the others (its active is unused): shared, never changed; SetOpts replaces it
	stream *framing.Stream  // nil for raw
	buf    []byte           // bytes read and not yet delivered; nil when none
	recv   *recvWait        // the pending Recv, if any
	stats  stats
	ext    *portExt // what few ports need; nil until one does
	hdr    [4]byte  // the packet header being sent: the driver copies what it queues
	id     uint32   // its number, for String: they wrap after 2^32 ports

	listener bool

	// The port's life, as inet_drv keeps it. Once the peer is gone no
	// data comes; a TCPClosed is owed to the owner until it is active to
	// get it; with exit_on_close the port dies when it is told.
	gone     bool // EOF, a reset or a receive error: nothing more to read
	owed     bool // TCPClosed not yet sent
	recvTold bool // a Recv has returned closed or goneWhy
	sendTold bool // a Send has returned closed or goneWhy
	dead     bool // closed: every call answers closed
	exited   bool // the port has exited: its monitors are told (monitor.go)
	// mark is two flags in one byte, which keeps the port in 192: on a
	// dead port, shutting, a Close is closing the fd and another Close
	// waits for it (ext.fdClosed); on a live one, recycles (recycling),
	// its owner has released a packet's data (TCP.Release) and packets
	// go in recycled buffers. Close sets it with dead, exit clears it.
	mark bool
}

// portExt is what few ports need, kept out of line so that the port of an
// idle connection stays small (192 bytes): the socket makes it when it
// first needs it, and keeps it. Guarded by the socket's mu.
type portExt struct {
	// A listening socket's queue of accepts, inet_drv's multi-accept
	// queue (accept.go).
	accepts *acceptQueue

	busy    chan struct{} // closed when the send queue falls to busyAt
	busyAt  int
	goneErr error // why the peer is gone, when it was an error (emsgsize, econnreset, ...)

	monitors []*MonitorRef // the processes to tell when the port exits (monitor.go)
	// writeFailed: goneErr came from a write that failed in the
	// background, which the next Send is told too (OnError).
	writeFailed bool
	// unconnected: a send timed out with send_timeout_close and closed
	// the fd under the port, which lives on, not connected (goneErr is
	// enotconn), until it is closed or has told its owner (timeoutClose).
	// Few ports ever need it: it is kept here, out of the port.
	unconnected bool
	// unrecvd: Unrecv put bytes back while a Recv waited, which the next
	// read event answers from them first (recvUnrecvd); cleared when
	// that Recv ends.
	unrecvd bool
	// closing is closed when the Close that drains the queue of this
	// closed port is done: until then Sends wait for it, and Recv, the
	// names, the stats and the options work, as OTP's port is open until
	// then (see Close).
	closing chan struct{}
	// read is the buffer of a Conn's Read while it is the pending Recv:
	// the port copies the bytes it answers with into it (take), and
	// forgets it with the answer (answer, dropRecv).
	read []byte
	// fdClosed is closed when the Close that is closing the fd (shutting)
	// has closed it: another Close made meanwhile waits for it, and makes
	// it.
	fdClosed chan struct{}
	// layer is the protocol run over the port (TLS), if any: its bytes
	// in and out go through it, and its messages are the layer's (see
	// layer.go).
	layer layer.Layer
	// layerEnd is how the layer's stream ended (io.EOF: close_notify;
	// an alert) while decoded packets still wait in buf: the port tells
	// it when it would read again (readMore), after them.
	layerEnd error
	// onExit are run when the port exits (layer.OnExit).
	onExit []*func()
	// need is the length, header included, of the partial packet in buf
	// when the framing knows it and it is large enough to be read into
	// place (bigbuf.go); 0 otherwise.
	need int
	// big is the memory mapped for a large partial packet: buf, while it
	// holds the packet, is big[:len(buf)]. It is unmapped once neither
	// buf nor the driver uses it.
	big []byte
	// lent is the room after buf that the driver is reading into, from
	// ReadBuffer to OnReadInto.
	lent []byte
	// huge: big has asked for huge pages (once hugeFrom bytes came).
	huge bool
	// pooled is the header of big when big is a released buffer
	// (bigbuf.go's takePooled), not a mapping.
	pooled *recycle.Buf
	// charged is how many of big's bytes reusedHeld counts: all of a
	// mapping from the cache or a released buffer, none of a new
	// mapping.
	charged int
}

// extra returns s.ext, made if need be. The caller holds s.mu.
func (s *Socket) extra() *portExt {
	if s.ext == nil {
		s.ext = new(portExt)
	}
	return s.ext
}

// tidyExt drops s.ext once it holds nothing. The caller holds s.mu.
func (s *Socket) tidyExt() {
	x := s.ext
	if x == nil || s.listener || x.busy != nil || x.goneErr != nil || len(x.monitors) > 0 || x.closing != nil || x.unconnected || x.read != nil || x.fdClosed != nil || x.layer != nil || len(x.onExit) > 0 ||
		x.need != 0 || x.big != nil || x.lent != nil {
		return
	}
	s.ext = nil
}

// closed reports whether s is closed and no longer being closed: a Close
// that drains its queue leaves the port open until done, for Recv, its
// names, stats and options (see Close). The caller holds s.mu.
func (s *Socket) closed() bool {
	return s.dead && (s.ext == nil || s.ext.closing == nil)
}

// unconnected reports whether a send timeout closed the connection under
// the port (timeoutClose). The caller holds s.mu.
func (s *Socket) unconnected() bool { return s.ext != nil && s.ext.unconnected }

// goneWhy is why the peer is gone, when it was an error. The caller holds
// s.mu.
func (s *Socket) goneWhy() error {
	if s.ext == nil {
		return nil
	}
	return s.ext.goneErr
}

// busyChan is closed when a busy port is busy no more; nil when the port
// is not busy. The caller holds s.mu.
func (s *Socket) busyChan() chan struct{} {
	if s.ext == nil {
		return nil
	}
	return s.ext.busy
}

var ids atomic.Uint32

// String formats s as Erlang prints a port: #Port<0.N>.
func (s *Socket) String() string { return fmt.Sprintf("#Port<0.%d>", s.id) }

var defaultPool = driver.Default

// pool is the driver's pool, every socket's: driver.Default, which Listen
// and Connect have started before any socket exists.
func (s *Socket) pool() *driver.Pool {
	p, _ := defaultPool()
	return p
}

// newSocket makes the port for a registered handle... the handle comes
// after, from the driver call the socket is the handler of. An {active, N}
// of zero or less makes it passive, and passive reports that the owner is
// owed a TCPPassive once the socket is open (tellPassive).
func newSocket(c Caller, po portOpts) (s *Socket, passive bool, err error) {
	active := po.active
	if active.kind == modeN && active.n <= 0 {
		active, passive = False, true
	}
	po.active = Mode{}
	s, err = newAccepted(c, active, &po)
	return s, passive, err
}

// tellPassive sends the TCPPassive of an {active, N} of zero or less given
// when the socket opened: OTP 25 sends tcp_passive at once, for listen and
// connect alike (an accepted socket inherits its listener's false, and
// gets no message). OTP sends it even when the open then fails; here only
// a socket the caller gets says it.
func (s *Socket) tellPassive(passive bool) {
	if passive {
		s.mu.Lock()
		s.send(s.passiveMsg())
		s.mu.Unlock()
	}
}

// newAccepted is newSocket for a connection accepted on a listening
// socket: it shares the listener's options.
func newAccepted(c Caller, active Mode, opts *portOpts) (*Socket, error) {
	s := &Socket{active: active, opts: opts, id: ids.Add(1)}
	s.setOwner(c.ActorSystem(), c.Self())
	if err := s.setStream(); err != nil {
		return nil, err
	}
	return s, nil
}

// portOpts returns the socket's options, its active mode among them. The
// caller holds s.mu.
func (s *Socket) portOpts() portOpts {
	p := *s.opts
	p.active = s.active
	return p
}

// setPortOpts makes p the socket's options. Accepted sockets share their
// listener's, and a change of active mode alone (SetOpts(Active(Once))
// after each packet) allocates nothing. The caller holds s.mu, or has s to
// itself.
func (s *Socket) setPortOpts(p portOpts) {
	s.active, p.active = p.active, Mode{}
	if s.opts == nil || *s.opts != p {
		shared := new(portOpts) // not &p, which would move every p to the heap
		*shared = p
		s.opts = shared
	}
}

// setStream makes the decoder the packet options ask for. The caller
// holds s.mu (or owns s alone).
func (s *Socket) setStream() error {
	if s.opts.packet == framing.Raw {
		s.stream = nil
		return nil
	}
	opts := []framing.Option{framing.PacketSize(int(s.opts.packetSize))}
	if s.opts.packet == framing.Line {
		opts = append(opts, framing.LineDelimiter(s.opts.delim))
	}
	d, err := framing.New(s.opts.packet, opts...)
	if err != nil {
		return err
	}
	s.stream = framing.NewStream(d)
	return nil
}

// Owner returns the PID of the socket's owner.
func (s *Socket) Owner() *actor.PID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.owner
}

// ControllingProcess makes newOwner the owner of s, as
// gen_tcp:controlling_process/2: only the owner may call it (not_owner),
// newOwner must be a live process of the socket's actor system (badarg:
// a PID of another node, through protoactor's remote, is badarg too, as
// a remote pid is for OTP's port; a socket never crosses nodes), and a
// closed socket answers closed (one whose queue a Close drains is
// still open, as OTP's port is). The socket's messages still queued
// at the old owner move to the new one, in order, before any newer one,
// when the old owner is an otpnet actor.Process or an actor spawned with
// actor.WithOwnerMailbox; the active mode carries over. A monitor's Down
// and an AcceptResult or RecvResult stay where they are: they are the
// monitoring or the calling process's, not the owner's.
func (s *Socket) ControllingProcess(c Caller, newOwner *actor.PID) error {
	if err := s.handOver(c, newOwner); err != nil {
		return &inet.Error{Op: "controlling_process", Err: err}
	}
	return nil
}

// handOver makes newOwner the owner, moves the socket's queued messages
// to it, and moves the link: the port stops monitoring the old owner and
// monitors the new one, and closes if it has stopped meanwhile.
func (s *Socket) handOver(c Caller, newOwner *actor.PID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed():
		return ErrClosed
	case c == nil || c.Self() == nil:
		return ErrBadArg
	case !c.Self().Equal(s.owner):
		return ErrNotOwner
	case !s.alive(newOwner):
		return ErrBadArg
	}
	// The port sends only under s.mu: nothing for s reaches the old owner
	// from here on, so what is taken is all there is, and the new owner
	// gets it before anything the port sends next.
	moved, _ := otpactor.TakeMatching(s.sys, s.owner, s.isMine)
	// A port that a Close drains (dead, not yet closed) has no link to
	// move: Close took it.
	same := s.owner.Equal(newOwner) || s.dead
	if !same {
		s.unlink()
	}
	if !s.owner.Equal(newOwner) {
		// The new owner has released nothing: it may keep every packet,
		// which then costs no more than before it owned the port.
		s.stopRecycling()
	}
	s.setOwner(s.sys, newOwner)
	for _, m := range moved {
		s.sys.Root.Send(newOwner, m)
	}
	if !same {
		s.link()
	}
	return nil
}

// alive reports whether pid is a live process of s's actor system.
func (s *Socket) alive(pid *actor.PID) bool {
	if pid == nil || pid.Address != s.sys.Address() {
		return false
	}
	_, ok := s.sys.ProcessRegistry.Get(pid)
	return ok
}

// isMine reports whether msg is one of the messages s's port sends its
// owner, which controlling_process moves to the new owner: Match less a
// monitor's Down, which belongs to the monitoring process, and the
// results of AsyncAccept and AsyncRecv, which belong to their caller. The
// messages of a layer run over the port (TLS's) are Messages of s too.
func (s *Socket) isMine(msg any) bool {
	switch msg.(type) {
	case *Down, *AcceptResult, *RecvResult:
		return false
	}
	return s.Match(msg)
}

// setOwner makes pid of sys the owner. The caller holds s.mu, or has s to
// itself.
func (s *Socket) setOwner(sys *actor.ActorSystem, pid *actor.PID) {
	s.sys, s.owner, s.inbox = sys, pid, otpactor.MailboxOf(sys, pid)
}

// send delivers msg to the owner. The caller holds s.mu, so that the
// port's messages reach the owner in the order the port made them.
func (s *Socket) send(msg any) {
	s.inbox.PostUserMessage(msg)
}
