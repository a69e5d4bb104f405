package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/tlspool"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/internal/layer"
)

var (
	// ErrNoPeerCert is {error, no_peercert}: the peer sent no
	// certificate.
	ErrNoPeerCert = errors.New("no_peercert")
	// ErrProtocolNotNegotiated is {error, protocol_not_negotiated}: ALPN
	// chose no protocol.
	ErrProtocolNotNegotiated = errors.New("protocol_not_negotiated")
	// ErrNotHandshaken means that the socket's handshake is not done:
	// Send, Recv and the TLS information wait for Handshake.
	ErrNotHandshaken = errors.New("handshake not done")
	// ErrNotsupOnTransportAcceptSocket is OTP's
	// {error, notsup_on_transport_accept_socket}: SetOpts and GetOpts of
	// a socket whose handshake (after TransportAccept) is not done.
	ErrNotsupOnTransportAcceptSocket = errors.New("notsup_on_transport_accept_socket")
)

// Socket is a TLS socket, OTP's sslsocket(): a listening socket, or a
// connection whose TLS record layer (crypto/tls) runs in the port of its
// socket.Socket. Once its handshake is done it is a port as a TCP socket
// is: the same options, framing, active modes, passive Recv, owner and
// link, its messages *SSL, *Closed, *Error and *Passive. Multiple
// goroutines may invoke methods on a Socket simultaneously.
type Socket struct {
	sock *socket.Socket
	cf   *config // shared with the listener
	conn *tls.Conn
	w    wire

	// The layer's, under the port's lock (wire.go).
	plain    []byte // Input's or Seal's buffer, until Done
	pending  []byte // Append's first slice, until Seal
	notified bool   // close_notify is sent

	// done is hs.state == hsDone, which is final, for Send, Recv and
	// SetOpts to read without hs.mu, nor a cache miss on hs at each call
	// (it fits the padding after notified: Socket stays 176 bytes).
	done atomic.Bool
	hs   *handshake // while a handshake runs, and after it
}

// handshake is the state of a Socket's handshake: one at a time, and
// its result for good.
type handshake struct {
	mu    sync.Mutex
	state int // hsNone, hsRunning, hsPaused, hsDone, hsFailed
	err   error

	// HandshakeHello's pause: the word that the hello is there, then
	// what to go on with, then the result.
	hello    chan struct{}
	resume   chan resumption
	result   chan error
	info     *tls.ClientHelloInfo
	deadline time.Time       // the paused handshake's (zero: none)
	post     []socket.Option // HandshakeContinue's socket options
}

const (
	hsNone = iota
	hsRunning
	hsPaused
	hsDone
	hsFailed
)

// Socket returns the socket.Socket underneath: its options, stats,
// monitors and names are the TLS socket's.
func (s *Socket) Socket() *socket.Socket { return s.sock }

// Of returns the TLS socket whose port is s, once its handshake is done:
// for code that has the socket underneath (a ranch.Conn's Socket) and
// wants the TLS side of it (PeerCert, ConnectionInformation, ...). ok is
// false for a TCP socket.
func Of(s *socket.Socket) (ts *Socket, ok bool) {
	l, ok := layer.Of(s).(*tlsLayer)
	if !ok {
		return nil, false
	}
	return (*Socket)(l), true
}

// String formats s as its port: #Port<0.N>.
func (s *Socket) String() string { return s.sock.String() }

// Listen is ssl:listen(Port, Options): a TLS listening socket, owned by
// c, whose connections TransportAccept takes. It needs a certificate and
// its key (CertFile and KeyFile, or Certificates); a file that cannot be
// read or parsed is an error that names it.
func Listen(c socket.Caller, port int, opts ...Option) (*Socket, error) {
	cf, err := makeConfig("listen", true, opts)
	if err != nil {
		return nil, err
	}
	l, err := socket.Listen(c, port, cf.tcp...)
	if err != nil {
		return nil, err
	}
	return &Socket{sock: l, cf: cf}, nil
}

// TransportAccept is ssl:transport_accept(ListenSocket, Timeout): it
// accepts a connection, owned by c, whose handshake is still to come
// (Handshake). Its errors are socket.Accept's.
func (s *Socket) TransportAccept(c socket.Caller, timeout time.Duration) (*Socket, error) {
	if s.cf == nil || s.hs != nil {
		return nil, &inet.Error{Op: "transport_accept", Err: unix.EINVAL}
	}
	cs, err := s.sock.Accept(c, timeout)
	if err != nil {
		return nil, err
	}
	return s.accepted(cs)
}

// accepted returns the TLS socket of s, a connection accepted on the
// socket underneath the listening TLS socket l (Socket) by socket's
// Accept or AsyncAccept, as an acceptor pool accepts
// (tlspool.Accepted): TransportAccept's answer, its handshake to come.
// Its owner is s's.
func (l *Socket) accepted(s *socket.Socket) (*Socket, error) {
	if l == nil || l.cf == nil || l.hs != nil || s == nil {
		return nil, &inet.Error{Op: "transport_accept", Err: unix.EINVAL}
	}
	return &Socket{sock: s, cf: l.cf, hs: &handshake{post: l.cf.listenerOpts()}}, nil
}

func init() {
	tlspool.Accepted = func(l any, s *socket.Socket) (tlspool.Handshaker, error) {
		ls, _ := l.(*Socket)
		return ls.accepted(s)
	}
}

// Handshake is ssl:handshake(Socket, Timeout): the server's side of the
// handshake of a socket from TransportAccept, on the caller's goroutine,
// for at most timeout (socket.Infinity: no limit). When it is done the socket
// takes the active mode and packet options given to Listen, and is a port
// as any other; when it fails (timeout, closed, an *Alert) the socket is
// closed: nothing of it is left, no goroutine, no fd. With HandshakeHello
// it returns after the client's hello instead (see HandshakeContinue).
func (s *Socket) Handshake(timeout time.Duration) error {
	if err := s.handshake(true, timeout); err != nil {
		return &inet.Error{Op: "handshake", Err: err}
	}
	return nil
}

// Connect is ssl:connect(Host, Port, Options, Timeout): a TLS connection,
// owned by c, its handshake done within timeout, the connect's time
// included. The server's certificate is verified against CACertFile or
// CACerts (the system's roots when neither is given) and host, unless
// Verify(VerifyNone).
func Connect(c socket.Caller, host string, port int, timeout time.Duration, opts ...Option) (*Socket, error) {
	cf, err := makeConfig("connect", false, opts)
	if err != nil {
		return nil, err
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	sock, err := socket.Connect(c, host, port, timeout, cf.tcp...)
	if err != nil {
		return nil, err
	}
	if cf.tls.ServerName == "" {
		name := cf.sni
		if name == "" {
			name = host
		}
		cfg := cf.tls.Clone()
		cfg.ServerName = name
		cf.tls = cfg
	}
	s := &Socket{sock: sock, cf: cf, hs: &handshake{}}
	left := socket.Infinity
	if !deadline.IsZero() {
		left = max(time.Until(deadline), 0)
	}
	if err := s.handshake(false, left); err != nil {
		return nil, &inet.Error{Op: "connect", Err: err}
	}
	return s, nil
}

// handshake runs the handshake: the server's, or the client's. With a
// paused hello (server, HandshakeHello) it returns once the hello is
// there, the handshake going on in a goroutine of its own until
// HandshakeContinue or HandshakeCancel, or its timeout.
func (s *Socket) handshake(server bool, timeout time.Duration) error {
	hs := s.hs
	if hs == nil {
		return unix.EINVAL // a listening socket, or one from Connect
	}
	hs.mu.Lock()
	if hs.state != hsNone {
		hs.mu.Unlock()
		return unix.EALREADY
	}
	hs.state = hsRunning
	hs.mu.Unlock()

	conn, err := socket.NewConn(s.sock)
	if err != nil {
		s.fail(err)
		return err
	}
	s.w.hs = conn
	s.w.addr = [2]net.Addr{conn.LocalAddr(), conn.RemoteAddr()}
	if timeout >= 0 {
		hs.deadline = time.Now().Add(timeout)
		conn.SetDeadline(hs.deadline)
	}
	cfg := s.cf.tls
	if server && s.cf.pauseHello {
		return s.pausedHandshake(cfg, timeout)
	}
	if server {
		s.conn = tls.Server(&s.w, cfg)
	} else {
		s.conn = tls.Client(&s.w, cfg)
	}
	return s.finish(s.conn.Handshake())
}

// finish ends a handshake with err: on success the port runs the TLS
// layer and takes the socket options that wait for it, else the socket
// is closed.
func (s *Socket) finish(err error) error {
	conn := s.w.hs
	conn.SetDeadline(time.Time{}) // stops its timers
	s.w.hs = nil
	if testHookFinish != nil {
		testHookFinish(s, err) // crypto/tls's, as it is
	}
	if err == nil {
		err = layer.Attach(s.sock, (*tlsLayer)(s))
	}
	if err == nil {
		err = s.sock.SetOpts(s.cf.postOpts(s.hs.post)...)
	}
	if err != nil {
		err = handshakeErr(err)
		s.fail(err)
		return err
	}
	s.hs.mu.Lock()
	s.hs.state = hsDone
	s.done.Store(true)
	s.hs.mu.Unlock()
	return nil
}

// testHookFinish, when a test sets it, is called by finish once the
// handshake's conn is let go, before its result is known.
var testHookFinish func(s *Socket, err error)

// fail closes the socket of a handshake that failed with err.
func (s *Socket) fail(err error) {
	s.hs.mu.Lock()
	s.hs.state, s.hs.err = hsFailed, err
	s.hs.mu.Unlock()
	s.sock.Close()
}

// handshakeErr is the reason of a failed handshake, as OTP's: timeout,
// closed, or an *Alert.
func handshakeErr(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return socket.ErrTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, socket.ErrClosed):
		return socket.ErrClosed
	}
	return alertOf(err)
}

// established reports why s cannot carry data yet, or nil.
func (s *Socket) established(op string) error {
	if s.hs == nil {
		return &inet.Error{Op: op, Err: unix.ENOTCONN} // a listening socket
	}
	if s.done.Load() {
		return nil // a Send's or a Recv's: no lock
	}
	s.hs.mu.Lock()
	defer s.hs.mu.Unlock()
	switch s.hs.state {
	case hsDone:
		return nil
	case hsFailed:
		return &inet.Error{Op: op, Err: socket.ErrClosed}
	}
	return &inet.Error{Op: op, Err: ErrNotHandshaken}
}

// Send is ssl:send(Socket, Data): data, several slices sent as one, as
// one packet with the header {packet, 1 | 2 | 4} asks for, in TLS
// records. It waits and fails as socket.Send does (busy, send_timeout,
// closed); the watermarks weigh the records queued.
func (s *Socket) Send(data ...[]byte) error {
	if err := s.established("send"); err != nil {
		return err
	}
	return s.sock.Send(data...)
}

// Recv is ssl:recv(Socket, Length, Timeout) on a passive socket: as
// socket.Recv, of the decrypted stream. An alert from the peer ends it
// with the *Alert, a close_notify with closed.
func (s *Socket) Recv(length int, timeout time.Duration) ([]byte, error) {
	if err := s.established("recv"); err != nil {
		return nil, err
	}
	return s.sock.Recv(length, timeout)
}

// Close is ssl:close(Socket): close_notify is sent, after what Send
// queued, and the socket closes as socket.Close does. A socket whose
// handshake is not done is closed without a word; one that HandshakeHello
// paused is cancelled (HandshakeCancel).
func (s *Socket) Close() error {
	if s.hs != nil && s.paused() == nil {
		s.resume(resumption{})
	}
	return s.sock.Close()
}

// Shutdown is ssl:shutdown(Socket, How): for Write and ReadWrite,
// close_notify goes first.
func (s *Socket) Shutdown(how socket.How) error { return s.sock.Shutdown(how) }

// SetOpts is ssl:setopts(Socket, Options) for the gen_tcp and inet
// options, which act as on a TCP socket (socket.SetOpts), on the
// decrypted stream. On a listening socket, as in OTP 25, the active mode
// and the packet options (packet, packet_size, line_delimiter) are kept
// for its connections, which take them once their handshake is done
// (those accepted from then on), and the others act on the socket
// underneath. Before its handshake a socket from TransportAccept answers
// ErrNotsupOnTransportAcceptSocket.
func (s *Socket) SetOpts(opts ...socket.Option) error {
	if err := s.beforeHandshake("setopts"); err != nil {
		return err
	}
	if s.hs != nil || s.cf == nil {
		return s.sock.SetOpts(opts...)
	}
	var post, tcp []socket.Option
	for _, o := range opts {
		if slices.Contains(postNames, o.Name()) {
			post = append(post, o)
		} else {
			tcp = append(tcp, o)
		}
	}
	if err := layer.CheckOptions(post); err != nil {
		return err
	}
	if len(tcp) > 0 {
		if err := s.sock.SetOpts(tcp...); err != nil {
			return err
		}
	}
	s.cf.setListenerOpts(post)
	return nil
}

// GetOpts is ssl:getopts(Socket, Names) for the gen_tcp and inet options.
// A listening socket answers the active mode and packet options its
// connections take (given to Listen or set by SetOpts), and the others
// of the socket underneath. Before its handshake a socket from
// TransportAccept answers ErrNotsupOnTransportAcceptSocket.
func (s *Socket) GetOpts(names ...socket.OptName) ([]socket.Option, error) {
	if err := s.beforeHandshake("getopts"); err != nil {
		return nil, err
	}
	opts, err := s.sock.GetOpts(names...)
	if err != nil || s.hs != nil || s.cf == nil {
		return opts, err
	}
	post := s.cf.postOpts(s.cf.listenerOpts())
	for i, o := range opts {
		if j := slices.IndexFunc(post, func(p socket.Option) bool { return p.Name() == o.Name() }); j >= 0 {
			opts[i] = post[j]
		}
	}
	return opts, nil
}

// beforeHandshake reports ErrNotsupOnTransportAcceptSocket for a socket
// whose handshake is not done, nil for any other.
func (s *Socket) beforeHandshake(op string) error {
	if s.hs == nil || s.done.Load() {
		return nil
	}
	s.hs.mu.Lock()
	defer s.hs.mu.Unlock()
	switch s.hs.state {
	case hsNone, hsRunning, hsPaused:
		return &inet.Error{Op: op, Err: ErrNotsupOnTransportAcceptSocket}
	}
	return nil
}

// ControllingProcess is ssl:controlling_process(Socket, Pid): as
// socket.ControllingProcess, the socket's queued *SSL, *Closed, *Error
// and *Passive moving to the new owner.
func (s *Socket) ControllingProcess(c socket.Caller, newOwner *actor.PID) error {
	return s.sock.ControllingProcess(c, newOwner)
}

// Match reports whether msg is a message of s (socket.Socket.Match).
func (s *Socket) Match(msg any) bool { return s.sock.Match(msg) }

// Peername is ssl:peername(Socket).
func (s *Socket) Peername() (netip.AddrPort, error) { return s.sock.Peername() }

// Sockname is ssl:sockname(Socket).
func (s *Socket) Sockname() (netip.AddrPort, error) { return s.sock.Sockname() }

// PeerCert is ssl:peercert(Socket): the peer's certificate, decoded;
// ErrNoPeerCert when it sent none.
func (s *Socket) PeerCert() (*x509.Certificate, error) {
	if err := s.established("peercert"); err != nil {
		return nil, err
	}
	certs := s.conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, &inet.Error{Op: "peercert", Err: ErrNoPeerCert}
	}
	return certs[0], nil
}

// NegotiatedProtocol is ssl:negotiated_protocol(Socket): the protocol
// ALPN chose; ErrProtocolNotNegotiated when none.
func (s *Socket) NegotiatedProtocol() (string, error) {
	if err := s.established("negotiated_protocol"); err != nil {
		return "", err
	}
	p := s.conn.ConnectionState().NegotiatedProtocol
	if p == "" {
		return "", &inet.Error{Op: "negotiated_protocol", Err: ErrProtocolNotNegotiated}
	}
	return p, nil
}

// ConnectionInfo is ssl:connection_information(Socket)'s answer.
type ConnectionInfo struct {
	// Protocol is Erlang's name of the version: "tlsv1.3", "tlsv1.2", ...
	Protocol string
	// CipherSuite is crypto/tls's name of the suite,
	// "TLS_AES_128_GCM_SHA256", ... (OTP gives a map of its parts).
	CipherSuite string
	// SNIHostname is the name the client asked for by SNI ("" for none).
	SNIHostname string
	// NegotiatedProtocol is ALPN's choice ("" for none).
	NegotiatedProtocol string
	// SessionResumption is true when the session was resumed.
	SessionResumption bool
}

// ConnectionInformation is ssl:connection_information(Socket).
func (s *Socket) ConnectionInformation() (ConnectionInfo, error) {
	if err := s.established("connection_information"); err != nil {
		return ConnectionInfo{}, err
	}
	st := s.conn.ConnectionState()
	return ConnectionInfo{
		Protocol:           versionName(st.Version),
		CipherSuite:        tls.CipherSuiteName(st.CipherSuite),
		SNIHostname:        st.ServerName,
		NegotiatedProtocol: st.NegotiatedProtocol,
		SessionResumption:  st.DidResume,
	}, nil
}
