package ranch

import (
	"errors"
	"fmt"
	"time"

	"github.com/otpnet/otpnet/socket"
)

// Handler is a connection's callbacks, Thousand Island's
// ThousandIsland.Handler behaviour: HandlerProtocol runs one Handler per
// connection, in the actor that owns the connection's socket, and calls
// it as the connection's events come. Its state is the Handler value
// itself (a pointer to a struct of yours), which only these calls touch,
// one at a time. Embed BaseHandler to write only the callbacks you need.
//
// A connection's callbacks come in this order: HandleConnection once,
// when the handler owns its socket; then HandleData for each packet,
// HandleInfo for each other message and HandleTimeout when the idle
// timeout passes, in the order their events come; and last, once, one of
// HandleClose, HandleError or HandleShutdown, unless HandleConnection
// never ran (the connection was gone before the hand-off). The Action a
// callback returns says what comes next.
type Handler interface {
	// HandleConnection is called once, when the handler owns its socket
	// and before any packet has been delivered: the socket is passive
	// until HandleConnection returns Continue, which makes it active in
	// the handler's mode (see Conn.Mode). Returning Close ends the
	// connection at once (HandleClose follows).
	HandleConnection(c *Conn) Action
	// HandleData is called with each packet, as framed by the socket's
	// {packet, ...} option: the Data of a *socket.TCP (an *ssl.SSL on a
	// TLS listener), or of a *socket.RecvResult of the handler's own
	// AsyncRecv on a passive socket. data is the handler's to keep, or to hand back with
	// c.ReleaseData once it is used up. When it returns Continue in
	// {active, once} the behaviour re-arms {active, once}.
	HandleData(c *Conn, data []byte) Action
	// HandleInfo is called with every other message the handler's actor
	// gets: messages sent to c.Context().Self(), *actor.Terminated of the
	// actors it watches, the messages of other sockets it owns; with the
	// http packet types, its own socket's *socket.HTTP packets (which
	// re-arm {active, once} as data does); and the *socket.RecvResult of
	// its own AsyncRecv that timed out (its Err matches socket.ErrTimeout),
	// as a recv with a timeout answers {error, timeout} to its caller.
	HandleInfo(c *Conn, msg any) Action
	// HandleTimeout is called when the idle timeout that the last Action
	// set (Action.Timeout, Action.IdleTimeout) passes with no message,
	// Thousand Island's read_timeout, and for nothing else: not for the
	// timeout of the handler's own AsyncRecv (see HandleInfo), nor for a
	// callback's Fail(socket.ErrTimeout), which ends in HandleError.
	// BaseHandler's returns Close, Thousand Island's handling; Continue
	// goes on (and restarts an idle timeout).
	HandleTimeout(c *Conn) Action
	// HandleClose is the last call of a connection that ends in order:
	// the peer closed it, or a callback returned Close, or the socket
	// closed under the handler. After Close the socket is still open
	// during the call; after the peer's close it is not.
	HandleClose(c *Conn)
	// HandleError is the last call of a connection that ends in error:
	// a *socket.TCPError (err is its Reason), a callback that returned
	// Fail(err), an active mode that the socket refused, or a callback
	// that panicked (err is a *supervisor.PanicError; the panic is logged
	// first, see HandlerProtocol). The socket may be closed already.
	HandleError(c *Conn, err error)
	// HandleShutdown is the last call of a connection whose listener
	// shuts it down (Stop, Drain, or a connection supervisor that stops):
	// the socket is still open during the call.
	HandleShutdown(c *Conn)
}

// BaseHandler is every Handler callback but HandleData with its default,
// as `use ThousandIsland.Handler` defines them: HandleConnection,
// HandleInfo and HandleData continue, HandleTimeout closes, and the last
// calls do nothing. Embed it in a handler of yours and write the
// callbacks you need: HandleData at least, which it defines to drop the
// data.
type BaseHandler struct{}

// HandleConnection returns Continue.
func (BaseHandler) HandleConnection(*Conn) Action { return Continue }

// HandleData drops data and returns Continue.
func (BaseHandler) HandleData(*Conn, []byte) Action { return Continue }

// HandleInfo drops msg and returns Continue.
func (BaseHandler) HandleInfo(*Conn, any) Action { return Continue }

// HandleTimeout returns Close.
func (BaseHandler) HandleTimeout(*Conn) Action { return Close }

// HandleClose does nothing.
func (BaseHandler) HandleClose(*Conn) {}

// HandleError does nothing.
func (BaseHandler) HandleError(*Conn, error) {}

// HandleShutdown does nothing.
func (BaseHandler) HandleShutdown(*Conn) {}

// Action is what a callback returns: go on (Continue, possibly in another
// active mode or with an idle timeout), or end the connection (Close,
// Fail), Thousand Island's handler_result. The zero Action is Continue.
type Action struct {
	op      actionOp
	set     actionSet
	mode    socket.Mode
	timeout time.Duration // setTimeout's
	idle    time.Duration // setIdleTimeout's
	err     error
}

type actionOp uint8

const (
	opContinue actionOp = iota
	opClose
	opFail
)

// actionSet says which of an Action's settings are given.
type actionSet uint8

const (
	setMode        actionSet = 1 << iota // mode: switch to it
	setTimeout                           // timeout: until the next message only
	setIdleTimeout                       // timeout: from now on
)

var (
	// Continue goes on, Thousand Island's {:continue, state}: the socket
	// stays in its active mode ({active, once} re-armed after a packet),
	// and the idle timeout that IdleTimeout set, if any, starts again.
	Continue = Action{}
	// Close ends the connection, Thousand Island's {:close, state}:
	// HandleClose is called, then the socket closes and the handler
	// stops.
	Close = Action{op: opClose}
)

// Fail ends the connection in error, Thousand Island's {:error, reason,
// state}: HandleError(c, err) is called, then the socket closes and the
// handler stops. Fail(nil) is Close. Unlike Thousand Island, which calls
// handle_timeout for {:error, :timeout, state}, Fail(socket.ErrTimeout)
// ends in HandleError too: HandleTimeout is the idle timeout's only.
func Fail(err error) Action {
	if err == nil {
		return Close
	}
	return Action{op: opFail, err: err}
}

// Active returns a with the socket's active mode switched to m: True, Once
// or N(n) (1 ≤ n ≤ 32767) deliver packets to HandleData, re-armed by the
// behaviour (Once after each packet, N(n) at each *socket.TCPPassive);
// False stops them, until an Action switches to another mode (the handler
// may then Recv, or AsyncRecv, whose results come to HandleData). It is
// inet:setopts(S, [{active, M}]) made for the handler: switch modes with
// it, not with the socket's SetOpts, which the behaviour would not know
// of. As inet:setopts, a switch from {active, N} to N(n) adds n to what
// is left of the socket's counter; N(n) is what is re-armed from then on.
// On Close or Fail it changes nothing. A bad N fails the connection with
// an error naming the argument.
func (a Action) Active(m socket.Mode) Action {
	if n, ok := m.Count(); ok && (n < 1 || n > 32767) {
		return a.bad(fmt.Errorf("ranch: Action.Active(%v): want {active, N} with N from 1 to 32767: %w", m, errBadAction))
	}
	if a.op == opContinue {
		a.set |= setMode
		a.mode = m
	}
	return a
}

// Timeout returns a with an idle timeout until the next message only,
// Thousand Island's {:continue, state, timeout}: if d passes with no
// message HandleTimeout is called. After the next message the timeout is
// the one IdleTimeout set, if any. A negative d other than
// socket.Infinity (no timeout) fails the connection with an error naming
// the argument.
func (a Action) Timeout(d time.Duration) Action { return a.withTimeout(d, setTimeout, "Timeout") }

// IdleTimeout returns a with an idle timeout from now on, Thousand
// Island's {:continue, state, {:persistent, timeout}} (its read_timeout):
// HandleTimeout is called whenever d passes with no message, until
// another IdleTimeout changes it; socket.Infinity removes it. There is
// none until a callback sets one. A negative d other than socket.Infinity
// fails the connection with an error naming the argument.
func (a Action) IdleTimeout(d time.Duration) Action {
	return a.withTimeout(d, setIdleTimeout, "IdleTimeout")
}

func (a Action) withTimeout(d time.Duration, which actionSet, name string) Action {
	if d < 0 && d != socket.Infinity {
		return a.bad(fmt.Errorf("ranch: Action.%s(%v): want a duration of 0 or more, or socket.Infinity: %w", name, d, errBadAction))
	}
	if a.op == opContinue {
		a.set |= which
		if which == setTimeout {
			a.timeout = d
		} else {
			a.idle = d
		}
	}
	return a
}

// bad turns a into a failure for err, unless it fails already.
func (a Action) bad(err error) Action {
	if a.op == opFail {
		return a
	}
	return Action{op: opFail, err: err}
}

// errBadAction is what the error of a bad Action matches (errors.Is):
// einval, as a bad option is for the socket.
var errBadAction = socket.ErrBadArg

// errNoHandler is the start error of a connection whose handler was nil.
var errNoHandler = errors.New("ranch: HandlerProtocol: newHandler returned a nil Handler")

// String describes a for logs and test failures: "continue", "close",
// "fail: ERR", with the settings given.
func (a Action) String() string {
	var s string
	switch a.op {
	case opClose:
		return "close"
	case opFail:
		return "fail: " + a.err.Error()
	default:
		s = "continue"
	}
	if a.set&setMode != 0 {
		s += " active=" + a.mode.String()
	}
	if a.set&setTimeout != 0 {
		s += " timeout=" + a.timeout.String()
	}
	if a.set&setIdleTimeout != 0 {
		s += " idle_timeout=" + a.idle.String()
	}
	return s
}
