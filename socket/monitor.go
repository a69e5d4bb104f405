package socket

import (
	"fmt"
	"slices"
	"sync/atomic"

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
// comes with Close. A port closed by a send timeout (send_timeout_close)
// exits at Close too, as in OTP, where the port lives on until then.
//
// A port keeps its monitors out of line, with the other things few ports
// need: a socket nobody monitors pays nothing for them.

// ErrNoProc is noproc, the same value as inet.ErrNoProc: the Reason of the
// Down that Monitor sends at once when the port has already exited.
var ErrNoProc = inet.ErrNoProc

// MonitorRef is a monitor's reference, Erlang's MonitorRef: Monitor
// returns it, the Down it causes carries it, and CancelMonitor takes it.
// Compare references by pointer.
type MonitorRef struct {
	s     *Socket
	inbox otpactor.Mailbox // the monitoring process's
	id    uint64
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
//   - the error that closed it: emsgsize, or econnreset with
//     ShowEconnreset (a syscall.Errno: name it with Reason);
//   - ErrNoProc: the port had already exited when Monitor was called.
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
// its own Down. The monitor lasts until the Down, or CancelMonitor: unlike
// Erlang's, it is not dropped when the monitoring process stops (its Down
// then goes to dead letters). A nil caller is badarg.
func (s *Socket) Monitor(c Caller) (*MonitorRef, error) {
	if c == nil || c.Self() == nil {
		return nil, &inet.Error{Op: "monitor", Err: ErrBadArg}
	}
	r := &MonitorRef{s: s, inbox: otpactor.MailboxOf(c.ActorSystem(), c.Self()), id: refIDs.Add(1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited {
		r.inbox.PostUserMessage(&Down{Ref: r, Socket: s, Reason: ErrNoProc})
		return r, nil
	}
	x := s.extra()
	x.monitors = append(x.monitors, r)
	return r, nil
}

// CancelMonitor is inet:cancel_monitor(MRef): it ends the monitor, so no
// Down comes for it, and reports whether the monitor was active. It
// reports false when its Down has already been sent (it stays in the
// process's mailbox) or the monitor was cancelled before. Erlang lets
// only the monitoring process cancel; here whoever holds ref may.
func CancelMonitor(ref *MonitorRef) bool {
	if ref == nil {
		return false
	}
	s := ref.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ext == nil {
		return false
	}
	i := slices.Index(s.ext.monitors, ref)
	if i < 0 {
		return false
	}
	s.ext.monitors = slices.Delete(s.ext.monitors, i, i+1)
	s.tidyExt()
	return true
}

// exit closes the port, as die does, and tells its monitors why. The
// caller holds s.mu.
func (s *Socket) exit(why error) {
	s.die()
	s.tellDown(s.takeMonitors(), why)
}

// takeMonitors marks the port exited and returns its monitors, to be
// told: from now on Monitor answers noproc. The caller holds s.mu.
func (s *Socket) takeMonitors() []*MonitorRef {
	s.exited = true
	if s.ext == nil {
		return nil
	}
	refs := s.ext.monitors
	s.ext.monitors = nil
	return refs
}

// tellDown sends each monitor in refs its Down.
func (s *Socket) tellDown(refs []*MonitorRef, why error) {
	for _, r := range refs {
		r.inbox.PostUserMessage(&Down{Ref: r, Socket: s, Reason: why})
	}
}
