package socket

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/otpnet/otpnet/framing"
)

// Option is one socket option, {Name, Value} in Erlang. The functions
// named after Erlang's options make them (Active, Packet, Nodelay, ...);
// GetOpts returns them. Value gives the value as the type its function
// takes.
type Option struct {
	name  OptName
	value any
}

// Name returns the option's name.
func (o Option) Name() OptName { return o.name }

// Value returns the option's value: a Mode for active, a framing.Type for
// packet, a bool, an int, a time.Duration (send_timeout, Infinity for
// infinity), a Linger, a netip.Addr or LocalAddr, a string, or a
// RawOption.
func (o Option) Value() any { return o.value }

// String formats o as Erlang writes it: {active,once}, {packet,4}, ...
func (o Option) String() string {
	v := fmt.Sprint(o.value)
	switch x := o.value.(type) {
	case time.Duration:
		if x < 0 {
			v = "infinity"
		} else {
			v = strconv.FormatInt(x.Milliseconds(), 10)
		}
	case netip.Addr:
		v = x.String()
	case string:
		v = strconv.Quote(x)
	}
	return "{" + o.name.String() + "," + v + "}"
}

// OptName names an option, as the atom does in Erlang.
type OptName uint8

// The options. The first group is the port's own (inet_drv's), the second
// the kernel's (setsockopt), the third only means something when a socket
// is opened.
const (
	OptActive OptName = iota + 1
	OptPacket
	OptPacketSize
	OptLineDelimiter
	OptBuffer
	OptHeader
	OptMode
	OptExitOnClose
	OptShowEconnreset
	OptSendTimeout
	OptSendTimeoutClose
	OptHighWatermark
	OptLowWatermark
	OptDelaySend
	OptBackend

	OptNodelay
	OptKeepalive
	OptReuseaddr
	OptReuseport
	OptRecbuf
	OptSndbuf
	OptPriority
	OptTos
	OptTclass
	OptTTL
	OptLinger
	OptDontroute
	OptBindToDevice
	OptIPv6Only
	OptRaw

	OptBacklog
	OptIP
	OptPort
	OptFamily
	OptFd
	numOpts
)

var optNames = [numOpts]string{
	OptActive: "active", OptPacket: "packet", OptPacketSize: "packet_size",
	OptLineDelimiter: "line_delimiter", OptBuffer: "buffer", OptHeader: "header",
	OptMode: "mode", OptExitOnClose: "exit_on_close", OptShowEconnreset: "show_econnreset",
	OptSendTimeout: "send_timeout", OptSendTimeoutClose: "send_timeout_close",
	OptHighWatermark: "high_watermark", OptLowWatermark: "low_watermark",
	OptDelaySend: "delay_send", OptBackend: "inet_backend",
	OptNodelay: "nodelay", OptKeepalive: "keepalive", OptReuseaddr: "reuseaddr",
	OptReuseport: "reuseport", OptRecbuf: "recbuf", OptSndbuf: "sndbuf",
	OptPriority: "priority", OptTos: "tos", OptTclass: "tclass", OptTTL: "ttl",
	OptLinger: "linger", OptDontroute: "dontroute", OptBindToDevice: "bind_to_device",
	OptIPv6Only: "ipv6_v6only", OptRaw: "raw",
	OptBacklog: "backlog", OptIP: "ip", OptPort: "port", OptFamily: "family", OptFd: "fd",
}

// String returns the option's Erlang name.
func (n OptName) String() string {
	if n > 0 && n < numOpts {
		return optNames[n]
	}
	return "OptName(" + strconv.Itoa(int(n)) + ")"
}

// Mode is the value of the active option: False, True, Once, or N(n).
type Mode struct {
	kind modeKind
	n    int32 // the counter of {active, N}
}

type modeKind uint8

const (
	modeFalse modeKind = iota
	modeTrue
	modeOnce
	modeN
)

// The active modes. {active, N} is N(n).
var (
	False = Mode{}               // {active, false}: passive, use Recv
	True  = Mode{kind: modeTrue} // {active, true}: every packet is a message
	Once  = Mode{kind: modeOnce} // {active, once}: one message, then passive
)

// N returns {active, N}: N messages, then TCPPassive and passive. Set on a
// socket, N adds to the counter there, as in Erlang; a sum of zero or less
// makes the socket passive at once and sends TCPPassive. N, and the sum,
// must be in -32768..32767: otherwise SetOpts fails with einval.
func N(n int) Mode {
	return Mode{kind: modeN, n: int32(max(math.MinInt32, min(math.MaxInt32, n)))}
}

// String formats m as Erlang's active value: false, true, once, or N.
func (m Mode) String() string {
	switch m.kind {
	case modeTrue:
		return "true"
	case modeOnce:
		return "once"
	case modeN:
		return strconv.Itoa(int(m.n))
	}
	return "false"
}

// active reports whether m delivers messages.
func (m Mode) active() bool { return m.kind != modeFalse }

// Infinity is the timeout that never expires: Erlang's infinity.
const Infinity time.Duration = -1

// Backend picks how Send works, as OTP's {inet_backend, inet | socket}.
type Backend uint8

const (
	// BackendInet (the default) queues what the kernel does not take at
	// once and returns; above HighWatermark senders wait until the queue
	// is below LowWatermark or SendTimeout passes.
	BackendInet Backend = iota
	// BackendSocket makes Send wait until everything is written or
	// SendTimeout passes, then fail with *SendTimeoutError holding the rest.
	BackendSocket
)

func (b Backend) String() string {
	if b == BackendSocket {
		return "socket"
	}
	return "inet"
}

// Linger is the value of the linger option: {On, Seconds}.
type Linger struct {
	On      bool
	Seconds int
}

func (l Linger) String() string { return fmt.Sprintf("{%v,%d}", l.On, l.Seconds) }

// RawOption is {raw, Protocol, OptionNum, ValueBin}: a setsockopt the
// option list does not name. In GetOpts, give Value's length as the size
// to read.
type RawOption struct {
	Level, Opt int
	Value      []byte
}

func (r RawOption) String() string { return fmt.Sprintf("{%d,%d,%v}", r.Level, r.Opt, r.Value) }

// The option constructors, one per Erlang option.

// Active is {active, Mode}. In SetOpts an N adds to the socket's counter;
// given to Listen or Connect, the last Active wins, and an N of zero or
// less opens the socket passive and sends its owner a TCPPassive, as OTP
// 25 does.
func Active(m Mode) Option {
	switch m {
	case Once:
		return activeOnce // set per message by many owners: no allocation
	case True:
		return activeTrue
	case False:
		return activeFalse
	}
	return Option{OptActive, m}
}

var (
	activeOnce  = Option{OptActive, Once}
	activeTrue  = Option{OptActive, True}
	activeFalse = Option{OptActive, False}
)

// Packet is {packet, Type}: how received bytes are framed, and what header
// Send puts before each packet (1, 2 and 4 only).
func Packet(t framing.Type) Option { return Option{OptPacket, t} }

// PacketSize is {packet_size, N}: the largest packet accepted, 0 for no
// limit; a longer one closes the socket with emsgsize.
func PacketSize(n int) Option { return Option{OptPacketSize, n} }

// LineDelimiter is {line_delimiter, Char} for {packet, line}.
func LineDelimiter(c byte) Option { return Option{OptLineDelimiter, c} }

// Buffer is {buffer, N}: the port's receive buffer. It bounds a line of
// {packet, line} (longer lines come out in pieces) and of the http types.
func Buffer(n int) Option { return Option{OptBuffer, n} }

// Header is {header, N}: in Erlang's list mode the first N bytes come as a
// list. otpnet always delivers []byte, so header only changes nothing but
// GetOpts; it is kept so ported option lists work.
func Header(n int) Option { return Option{OptHeader, n} }

// Binary is {mode, binary}, the only mode: Go has no charlists, data is
// always []byte. {mode, list} (ModeList) is refused with einval.
func Binary() Option { return Option{OptMode, "binary"} }

// ExitOnClose is {exit_on_close, Bool}: whether the port closes when the
// peer does (true, the default). With false the socket can still send
// after the peer's shutdown(write).
func ExitOnClose(on bool) Option { return Option{OptExitOnClose, on} }

// ShowEconnreset is {show_econnreset, Bool}: report a reset as econnreset
// (TCPError then TCPClosed, or the error from Recv) instead of as closed.
func ShowEconnreset(on bool) Option { return Option{OptShowEconnreset, on} }

// SendTimeout is {send_timeout, Ms}: how long Send waits on a busy socket;
// Infinity (the default) waits for ever.
func SendTimeout(d time.Duration) Option { return Option{OptSendTimeout, d} }

// SendTimeoutClose is {send_timeout_close, Bool}: close the socket when a
// send times out. With the socket backend it is closed; with the inet
// backend, as in OTP 25, its connection is, and the socket answers
// enotconn until its owner, setting an active mode, gets its TCPClosed.
func SendTimeoutClose(on bool) Option { return Option{OptSendTimeoutClose, on} }

// HighWatermark is {high_watermark, Bytes} (default 8192): with this much
// queued the socket is busy. Setting it below LowWatermark lowers that too.
func HighWatermark(n int) Option { return Option{OptHighWatermark, n} }

// LowWatermark is {low_watermark, Bytes} (default 4096): a busy socket is
// free again when its queue falls below it. Setting it above HighWatermark
// raises that too.
func LowWatermark(n int) Option { return Option{OptLowWatermark, n} }

// DelaySend is {delay_send, Bool}: queue sends and let the poller write
// them together, instead of writing from Send.
func DelaySend(on bool) Option { return Option{OptDelaySend, on} }

// InetBackend is {inet_backend, inet | socket}: see Backend.
func InetBackend(b Backend) Option { return Option{OptBackend, b} }

// Nodelay is {nodelay, Bool}: TCP_NODELAY.
func Nodelay(on bool) Option { return Option{OptNodelay, on} }

// Keepalive is {keepalive, Bool}: SO_KEEPALIVE.
func Keepalive(on bool) Option { return Option{OptKeepalive, on} }

// Reuseaddr is {reuseaddr, Bool}: SO_REUSEADDR.
func Reuseaddr(on bool) Option { return Option{OptReuseaddr, on} }

// Reuseport is {reuseport, Bool}: SO_REUSEPORT.
func Reuseport(on bool) Option { return Option{OptReuseport, on} }

// Recbuf is {recbuf, Bytes}: SO_RCVBUF. As in OTP, the port's Buffer grows
// to at least this size.
func Recbuf(n int) Option { return Option{OptRecbuf, n} }

// Sndbuf is {sndbuf, Bytes}: SO_SNDBUF.
func Sndbuf(n int) Option { return Option{OptSndbuf, n} }

// Priority is {priority, Int}: SO_PRIORITY.
func Priority(n int) Option { return Option{OptPriority, n} }

// Tos is {tos, Int}: IP_TOS.
func Tos(n int) Option { return Option{OptTos, n} }

// Tclass is {tclass, Int}: IPV6_TCLASS.
func Tclass(n int) Option { return Option{OptTclass, n} }

// TTL is {ttl, Int}: IP_TTL.
func TTL(n int) Option { return Option{OptTTL, n} }

// LingerOpt is {linger, {On, Seconds}}: SO_LINGER. {true, 0} makes Close
// reset the connection.
func LingerOpt(on bool, seconds int) Option { return Option{OptLinger, Linger{on, seconds}} }

// Dontroute is {dontroute, Bool}: SO_DONTROUTE.
func Dontroute(on bool) Option { return Option{OptDontroute, on} }

// BindToDevice is {bind_to_device, Ifname}: SO_BINDTODEVICE.
func BindToDevice(ifname string) Option { return Option{OptBindToDevice, ifname} }

// IPv6Only is {ipv6_v6only, Bool}: IPV6_V6ONLY.
func IPv6Only(on bool) Option { return Option{OptIPv6Only, on} }

// Raw is {raw, Protocol, OptionNum, ValueBin}: setsockopt(level, opt,
// value) as it is.
func Raw(level, opt int, value []byte) Option {
	return Option{OptRaw, RawOption{level, opt, value}}
}

// Backlog is {backlog, N} for Listen (default 5, as OTP).
func Backlog(n int) Option { return Option{OptBacklog, n} }

// IP is {ip, Address} (also {ifaddr, Address}): the local address to bind.
func IP(a netip.Addr) Option { return Option{OptIP, a} }

// IfAddrLocal is {ifaddr, {local, Path}}: the socket is a local (AF_UNIX)
// one, bound to path. A path that starts with NUL is a Linux abstract
// address; "" lets Linux pick an abstract address (autobind), as
// {local, <<>>} does. For Connect, host is then the peer's path.
func IfAddrLocal(path string) Option { return Option{OptIP, LocalAddr(path)} }

// LocalAddr is the address of a local (AF_UNIX) socket, Erlang's
// {local, Path}: a path, an abstract address (starting with NUL), or ""
// for an unnamed socket.
type LocalAddr string

// Port is {port, Port}: the local port to bind, for Connect.
func Port(p int) Option { return Option{OptPort, p} }

// FamilyOpt is inet, inet6 or local in an option list.
func FamilyOpt(f Family) Option { return Option{OptFamily, f} }

// Fd is {fd, Fd}: use an open socket instead of making one. The socket
// takes the fd and closes it.
func Fd(fd int) Option { return Option{OptFd, fd} }
