package socket

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/inet"
)

// Monitors, as inet:monitor/1 and inet:cancel_monitor/1 make them (OTP
// 24 and later): a process monitors a socket and gets a *Down when the
// port exits. The port exits as it does in OTP 25: when Close closes it,
// when it closes itself (the peer closed an active socket with
// exit_on_close, or an error did: emsgsize, econnreset with
// show_econnreset), and when its owner stops. A passive socket whose peer
// has gone, or one with exit_on_close false, has not exited: its Down
// comes with Close. On the inet backend a port closed by a send timeout
// (send_timeout_close) lives on, as in OTP, and exits at Close, when its
// owner stops, or when it tells an active owner (exit_on_close); on the
// socket backend it exits at the timeout.
//
// A monitor is dropped when its process stops, as in Erlang: the monitor
// reference is itself the monitor of the monitoring process
// (actor.MonitorPID), kept by that process, and taken back when the port
// exits or the monitor is cancelled. A port keeps its monitors out of
// line, with the other things few ports need: a socket nobody monitors
// pays nothing for them.

// MonitorRef is a monitor's reference, Erlang's MonitorRef: Monitor
// returns it, the Down it causes carries it, and CancelMonitor takes it.
// Compare references by pointer.
type MonitorRef struct {
	s     *Socket
	inbox otpactor.Mailbox // the monitoring process's
	sys   *actor.ActorSystem
	pid   *actor.PID // the monitoring process
	id    uint64
}

// refMonitor is a monitor reference as the monitor of its process, which
// drops it from the port when it stops.
type refMonitor MonitorRef

// Down drops the monitor: its process has stopped.
func (m *refMonitor) Down(*actor.PID) {
	r := (*MonitorRef)(m)
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.s.dropMonitor(r)
}

var refIDs atomic.Uint64

// String formats r as Erlang prints a reference: #Ref<0.N>.
func (r *MonitorRef) String() string { return fmt.Sprintf("#Ref<0.%d>", r.id) }

// Down is {'DOWN', MonitorRef, port, Socket, Info}: the port of a socket
// the process monitors (Monitor) has exited. Reason is why:
//
//   - nil: normally (Erlang's normal): Close closed it, the peer closed an
//     active socket with exit_on_close, or its owner stopped. Erlang gives
//     the owner's exit reason there; otpnet's processes have none;
//   - ErrClosed: the same on the socket backend
//     (InetBackend(BackendSocket)), whose monitors say closed in OTP 25,
//     and there also a send timeout with SendTimeoutClose;
//   - the error that closed it: emsgsize, or econnreset with
//     ShowEconnreset (a syscall.Errno: name it with Reason);
//   - ErrNoProc: the port had already exited when Monitor was called.
//     OTP 25's socket backend says nosock there: otpnet says noproc for
//     both.
//
// When the monitoring process owns the socket, its Down comes after the
// port's last message (TCPError, TCPClosed).
type Down struct {
	Ref    *MonitorRef
	Socket *Socket
	Reason error
}

// From returns d.Socket: a Down is a Message of the socket it is about.
func (d *Down) From() *Socket { return d.Socket }

// IgnoreDeadLetterLogging keeps protoactor from logging a Down whose
// process is gone.
func (*Down) IgnoreDeadLetterLogging() {}

// Monitor is inet:monitor(Socket): the calling process monitors s, and
// gets a *Down with the returned reference when s's port exits, at once
// (with ErrNoProc) if it has already. Each call makes a new monitor, with
// its own Down. The monitor lasts until the Down, CancelMonitor, or the
// end of the monitoring process, which drops it as Erlang does. A nil
// caller is badarg.
func (s *Socket) Monitor(c Caller) (*MonitorRef, error) {
	if c == nil || c.Self() == nil || c.ActorSystem() == nil {
		return nil, &inet.Error{Op: "monitor", Err: ErrBadArg}
	}
	sys, pid := c.ActorSystem(), c.Self()
	r := &MonitorRef{s: s, inbox: otpactor.MailboxOf(sys, pid), sys: sys, pid: pid, id: refIDs.Add(1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited {
		r.inbox.PostUserMessage(&Down{Ref: r, Socket: s, Reason: ErrNoProc})
		return r, nil
	}
	// Under s.mu, so that the port's exit finds the monitor of the
	// process in place, to take back; MonitorPID never calls Down itself.
	if alive, _ := otpactor.MonitorPID(sys, pid, (*refMonitor)(r)); !alive {
		return r, nil // the process has stopped: dropped already
	}
	x := s.extra()
	x.monitors = append(x.monitors, r)
	return r, nil
}

// CancelMonitor is inet:cancel_monitor(MRef): it ends the monitor, so no
// Down comes for it, and reports whether the monitor was active. It
// reports false when its Down has already been sent (it stays in the
// process's mailbox), the monitor was cancelled before, or its process
// has stopped. Erlang lets only the monitoring process cancel; here
// whoever holds ref may.
func CancelMonitor(ref *MonitorRef) bool {
	if ref == nil {
		return false
	}
	s := ref.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dropMonitor(ref) {
		return false
	}
	otpactor.DemonitorPID(ref.sys, ref.pid, (*refMonitor)(ref))
	return true
}

// dropMonitor takes r out of the port's monitors, and reports whether it
// was there. The caller holds s.mu.
func (s *Socket) dropMonitor(r *MonitorRef) bool {
	if s.ext == nil {
		return false
	}
	i := slices.Index(s.ext.monitors, r)
	if i < 0 {
		return false
	}
	s.ext.monitors = slices.Delete(s.ext.monitors, i, i+1)
	s.tidyExt()
	return true
}

// exit closes the port by itself (not by Close): the fd goes, waiting
// calls answer closed, and its monitors are told why. The caller holds
// s.mu.
func (s *Socket) exit(why error) {
	if s.dead {
		return
	}
	if why == nil {
		s.closeNotify()
	}
	s.dead, s.mark = true, false // not shutting, which is Close's
	s.endRecv()
	s.wakeSenders()
	s.unlink()
	s.endAccepts()
	s.pool().Close(s.h)
	s.tellDown(s.takeMonitors(), s.downReason(why))
}

// downReason is the Reason of the Downs of a port that exits for why (nil
// for normal). On the socket backend (InetBackend(BackendSocket)) a port
// that exits normally says closed, as OTP 25's socket monitors do, where
// the inet backend's port says normal. The caller holds s.mu.
func (s *Socket) downReason(why error) error {
	if why == nil && s.opts.backend == BackendSocket {
		return ErrClosed
	}
	return why
}

// takeMonitors marks the port exited and returns its monitors, to be
// told: from now on Monitor answers noproc. The caller holds s.mu.
func (s *Socket) takeMonitors() []*MonitorRef {
	s.exited = true
	s.retire()
	if s.ext == nil {
		return nil
	}
	for _, f := range s.ext.onExit {
		(*f)()
	}
	refs := s.ext.monitors
	s.ext.monitors, s.ext.onExit = nil, nil
	return refs
}

// tellDown sends each monitor in refs its Down, with the reason why (see
// downReason), and takes back its monitor of its process.
func (s *Socket) tellDown(refs []*MonitorRef, why error) {
	for _, r := range refs {
		otpactor.DemonitorPID(r.sys, r.pid, (*refMonitor)(r))
		r.inbox.PostUserMessage(&Down{Ref: r, Socket: s, Reason: why})
	}
}
