package socket

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
)

// Option is one socket option, {Name, Value} in Erlang. The functions
// named after Erlang's options make them (Active, Packet, Nodelay, ...);
// GetOpt and GetOpts return them. Its value has the type its function
// takes, or, for an option whose function takes several arguments, a
// struct named after the function: LingerValue for Linger, RawValue for
// Raw. Read it with the accessor for that type:
//
//	Mode      active
//	Packet    packet
//	Int       packet_size, line_delimiter (the character), buffer, header,
//	          high_watermark, low_watermark, recbuf, sndbuf, priority, tos,
//	          tclass, ttl, backlog, port, fd
//	Bool      exit_on_close, show_econnreset, send_timeout_close,
//	          delay_send, nodelay, keepalive, reuseaddr, reuseport,
//	          dontroute, ipv6_v6only, recvtos, recvttl, recvtclass
//	Duration  send_timeout (Infinity for infinity)
//	Backend   inet_backend
//	Linger    linger
//	Text      mode ("binary"), bind_to_device, and ip when IfAddrLocal made it (the path)
//	Addr      ip when IP made it
//	Family    the family
//	Raw       raw
//	Options   pktoptions
//
// An accessor returns its type's zero value for an option of another type:
// o.Int() of a nodelay option is 0. Value returns the value as an any.
//
// The names are regular: each function is its Erlang option in Go's
// spelling ({send_timeout, Ms} is SendTimeout, {inet_backend, B} is
// InetBackend, {ipv6_v6only, B} is IPv6Only), and its OptName is Opt and
// the function's name (OptSendTimeout, OptInetBackend, OptIPv6Only). The
// options Erlang writes as a bare atom are functions too: Binary for
// binary ({mode, binary}), Family(inet.Inet6) for inet6. IP and
// IfAddrLocal both make {ip, Address} (Erlang's ifaddr is its synonym), so
// both have OptIP.
type Option struct {
	name  OptName
	value any
}

// Name returns the option's name.
func (o Option) Name() OptName { return o.name }

// Value returns the option's value as an any: a Mode, a framing.Type,
// an int (a byte for line_delimiter), a bool, a time.Duration, a Backend,
// a LingerValue, a string or an inet.LocalAddr, a netip.Addr, an
// inet.Family, a RawValue, or an []Option, as the accessors' table on
// Option says.
func (o Option) Value() any { return o.value }

// Mode returns the value of an active option (False for another option).
func (o Option) Mode() Mode { v, _ := o.value.(Mode); return v }

// Packet returns the value of a packet option (framing.Raw for another
// option).
func (o Option) Packet() framing.Type { v, _ := o.value.(framing.Type); return v }

// Int returns the value of an integer option, or line_delimiter's
// character, as Erlang gives it (0 for another option).
func (o Option) Int() int {
	switch v := o.value.(type) {
	case int:
		return v
	case byte:
		return int(v)
	}
	return 0
}

// Bool returns the value of a boolean option (false for another option).
func (o Option) Bool() bool { v, _ := o.value.(bool); return v }

// Duration returns the value of send_timeout: Infinity for infinity (0
// for another option).
func (o Option) Duration() time.Duration { v, _ := o.value.(time.Duration); return v }

// Backend returns the value of inet_backend (BackendInet for another
// option).
func (o Option) Backend() Backend { v, _ := o.value.(Backend); return v }

// Linger returns the value of linger (the zero LingerValue for another
// option).
func (o Option) Linger() LingerValue { v, _ := o.value.(LingerValue); return v }

// Text returns the value of a string option: bind_to_device's interface
// name, mode's "binary", or the path of an ip option that IfAddrLocal
// made ("" for another option).
func (o Option) Text() string {
	switch v := o.value.(type) {
	case string:
		return v
	case inet.LocalAddr:
		return string(v)
	}
	return ""
}

// Addr returns the address of an ip option that IP made (the zero
// netip.Addr for another option).
func (o Option) Addr() netip.Addr { v, _ := o.value.(netip.Addr); return v }

// Family returns the value of a family option (inet.Inet for another
// option).
func (o Option) Family() inet.Family { v, _ := o.value.(inet.Family); return v }

// Raw returns the value of a raw option (the zero RawValue for another
// option).
func (o Option) Raw() RawValue { v, _ := o.value.(RawValue); return v }

// Options returns the value of pktoptions: the Tos, TTL and Tclass options
// of the last packet received (nil for another option).
func (o Option) Options() []Option { v, _ := o.value.([]Option); return v }

// String formats o as Erlang writes it: {active,once}, {packet,4}, ...;
// an Option with no value (as an error names an option it cannot read) as
// its bare name.
func (o Option) String() string {
	if o.value == nil {
		return o.name.String()
	}
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
	OptInetBackend

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
	OptRecvTos
	OptRecvTTL
	OptRecvTclass
	// OptPktoptions is read only: GetOpts returns, as an []Option, what
	// RecvTos, RecvTTL and RecvTclass ask the kernel to keep of the last
	// packet received (IP_PKTOPTIONS, IPV6_2292PKTOPTIONS on an IPv6
	// socket): Tos, TTL and Tclass options, in the kernel's order; none
	// when those are off. SetOpts refuses it (einval), as inet:setopts does.
	OptPktoptions
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
	OptDelaySend: "delay_send", OptInetBackend: "inet_backend",
	OptNodelay: "nodelay", OptKeepalive: "keepalive", OptReuseaddr: "reuseaddr",
	OptReuseport: "reuseport", OptRecbuf: "recbuf", OptSndbuf: "sndbuf",
	OptPriority: "priority", OptTos: "tos", OptTclass: "tclass", OptTTL: "ttl",
	OptLinger: "linger", OptDontroute: "dontroute", OptBindToDevice: "bind_to_device",
	OptIPv6Only: "ipv6_v6only", OptRecvTos: "recvtos", OptRecvTTL: "recvttl",
	OptRecvTclass: "recvtclass", OptPktoptions: "pktoptions", OptRaw: "raw",
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
// Modes compare with ==: m == Once is {active, once}; Count says whether
// m is {active, N} and gives N.
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

// Count returns N and true if m is {active, N}, and 0 and false if it is
// False, True or Once. Read back from a socket (GetOpt), N is what is
// left of the counter, 1..32767: a socket whose counter ran out is False.
func (m Mode) Count() (n int, ok bool) {
	if m.kind != modeN {
		return 0, false
	}
	return int(m.n), true
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

// Backend picks how Send works, as OTP's {inet_backend, inet | socket}.
type Backend uint8

const (
	// BackendInet (the default) queues what the kernel does not take at
	// once and returns; above HighWatermark senders wait until the queue
	// is below LowWatermark or SendTimeout passes.
	BackendInet Backend = iota
	// BackendSocket makes Send wait until everything is written or
	// SendTimeout passes, then fail with *inet.SendTimeoutError holding the rest.
	BackendSocket
)

// String returns the backend's atom: "inet" or "socket".
func (b Backend) String() string {
	if b == BackendSocket {
		return "socket"
	}
	return "inet"
}

// LingerValue is the value of the linger option, {On, Seconds}: what
// Linger makes, and GetOpts returns.
type LingerValue struct {
	On      bool
	Seconds int
}

// String formats l as Erlang writes it: {true,5}.
func (l LingerValue) String() string { return fmt.Sprintf("{%v,%d}", l.On, l.Seconds) }

// RawValue is the value of a raw option, {raw, Protocol, OptionNum,
// ValueBin} less its tag: a setsockopt the option list does not name, as
// Raw makes it and GetOpts returns it. In GetOpts, give Value's length as
// the size to read.
type RawValue struct {
	Level, Opt int
	Value      []byte
}

// String formats r as Erlang writes the tuple's last three elements:
// {6,1,[1,0,0,0]}.
func (r RawValue) String() string { return fmt.Sprintf("{%d,%d,%v}", r.Level, r.Opt, r.Value) }

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
// always []byte, so there is no function for {mode, list}.
func Binary() Option { return Option{OptMode, "binary"} }

// ExitOnClose is {exit_on_close, Bool}: whether the port closes when the
// peer does (true, the default). With false the socket can still send
// after the peer's shutdown(write).
func ExitOnClose(on bool) Option { return Option{OptExitOnClose, on} }

// ShowEconnreset is {show_econnreset, Bool}: report a reset as econnreset
// (TCPError then TCPClosed, or the error from Recv) instead of as closed.
func ShowEconnreset(on bool) Option { return Option{OptShowEconnreset, on} }

// SendTimeout is {send_timeout, Ms}: how long a Send that made the
// socket busy waits (with the socket backend, how long a Send waits to be
// written, behind other sends too); Infinity (the default) waits for
// ever. See Send.
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
func InetBackend(b Backend) Option { return Option{OptInetBackend, b} }

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

// Linger is {linger, {On, Seconds}}: SO_LINGER (SO_LINGER_SEC on macOS,
// whose SO_LINGER counts clock ticks: driver.SOLinger). {true, 0} makes Close
// reset the connection. Its value is a LingerValue.
func Linger(on bool, seconds int) Option { return Option{OptLinger, LingerValue{on, seconds}} }

// Dontroute is {dontroute, Bool}: SO_DONTROUTE.
func Dontroute(on bool) Option { return Option{OptDontroute, on} }

// BindToDevice is {bind_to_device, Ifname}: SO_BINDTODEVICE.
func BindToDevice(ifname string) Option { return Option{OptBindToDevice, ifname} }

// IPv6Only is {ipv6_v6only, Bool}: IPV6_V6ONLY. (Go's spelling drops the
// atom's repeated v6.)
func IPv6Only(on bool) Option { return Option{OptIPv6Only, on} }

// RecvTos is {recvtos, Bool}: IP_RECVTOS. On a TCP socket it changes no
// message: the TOS of the last packet received (on an accepted socket,
// that of the peer's SYN) is then in GetOpts(OptPktoptions). An accepted
// socket inherits it from its listener.
func RecvTos(on bool) Option { return Option{OptRecvTos, on} }

// RecvTTL is {recvttl, Bool}: IP_RECVTTL, for the TTL in pktoptions, as
// RecvTos is for the TOS.
func RecvTTL(on bool) Option { return Option{OptRecvTTL, on} }

// RecvTclass is {recvtclass, Bool}: IPV6_RECVTCLASS, for the traffic class
// in pktoptions, on an IPv6 socket (an IPv4 one refuses it, einval).
func RecvTclass(on bool) Option { return Option{OptRecvTclass, on} }

// Raw is {raw, Protocol, OptionNum, ValueBin}: setsockopt(level, opt,
// value) as it is. Its value is a RawValue.
func Raw(level, opt int, value []byte) Option {
	return Option{OptRaw, RawValue{level, opt, value}}
}

// Backlog is {backlog, N} for Listen (default 5, as OTP).
func Backlog(n int) Option { return Option{OptBacklog, n} }

// IP is {ip, Address} (also {ifaddr, Address}): the local address to bind.
func IP(a netip.Addr) Option { return Option{OptIP, a} }

// IfAddrLocal is {ifaddr, {local, Path}}: the socket is a local (AF_UNIX)
// one, bound to path. A path that starts with NUL is a Linux abstract
// address; "" lets Linux pick an abstract address (autobind), as
// {local, <<>>} does. For Connect, host is then the peer's path.
func IfAddrLocal(path string) Option { return Option{OptIP, inet.LocalAddr(path)} }

// Port is the option {port, Port}: the local port to bind, for Connect.
// The method Socket.Port, inet:port/1, is another thing of the same name:
// the port a socket is bound to. Both names are Erlang's.
func Port(p int) Option { return Option{OptPort, p} }

// Family is the address family in an option list, Erlang's bare inet,
// inet6 or local: Family(inet.Inet6) for inet6. It picks the family of a
// host name's look-up and of the any address (inet.Inet by default);
// IfAddrLocal implies inet.Local, and an address literal keeps its own.
func Family(f inet.Family) Option { return Option{OptFamily, f} }

// Fd is {fd, Fd}: use an open socket instead of making one. The socket
// takes the fd and closes it.
func Fd(fd int) Option { return Option{OptFd, fd} }
