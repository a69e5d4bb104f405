package ranch

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet/proxyproto"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor"
)

// proxyInfo is what a proxyEcho tells the test of its connection.
type proxyInfo struct {
	hdr  *proxyproto.Header
	peer netip.AddrPort
}

// proxyEcho is Ranch's test/proxy_protocol.erl: it tells the test the
// PROXY header and the peer its Conn has, then echoes.
type proxyEcho struct {
	BaseHandler
	got chan<- proxyInfo
}

func (p proxyEcho) HandleConnection(c *Conn) Action {
	peer, err := c.Peername()
	if err != nil {
		return Fail(err)
	}
	p.got <- proxyInfo{c.Proxy(), peer}
	return Continue
}

func (proxyEcho) HandleData(c *Conn, data []byte) Action {
	if err := c.Send(data); err != nil {
		return Fail(err)
	}
	return Continue
}

// proxyPool starts a listener that reads PROXY headers, serving
// proxyEcho; its infos come on the channel returned.
func proxyPool(t *testing.T, opts ListenerOptions) (*pool, <-chan proxyInfo) {
	t.Helper()
	got := make(chan proxyInfo, 100)
	opts.ProxyHeader = true
	return startPool(t, HandlerProtocol(func() Handler { return proxyEcho{got: got} }), opts), got
}

// header is h as its version writes it.
func header(t *testing.T, h *proxyproto.Header) []byte {
	t.Helper()
	b, err := h.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	proxyV1 = &proxyproto.Header{Version: 1, Family: proxyproto.INET, Transport: proxyproto.Stream,
		Source: netip.MustParseAddrPort("127.0.0.1:444"), Destination: netip.MustParseAddrPort("192.168.0.1:443")}
	proxyV2 = &proxyproto.Header{Version: 2, Family: proxyproto.INET, Transport: proxyproto.Stream,
		Source: netip.MustParseAddrPort("127.0.0.1:444"), Destination: netip.MustParseAddrPort("192.168.0.1:443")}
	localV2 = &proxyproto.Header{Version: 2, Command: proxyproto.Local}
)

// checkInfo checks what the handler saw: the header sent, and as its peer
// the header's source, or, for LOCAL, the client's own address.
func checkInfo(t *testing.T, got proxyInfo, want *proxyproto.Header, client net.Conn) {
	t.Helper()
	if !reflect.DeepEqual(got.hdr, want) {
		t.Errorf("the handler's header %+v, want %+v", got.hdr, want)
	}
	peer := want.Source
	if want.Command == proxyproto.Local {
		peer = netip.MustParseAddrPort(client.LocalAddr().String())
	}
	if got.peer != peer {
		t.Errorf("the handler's peer %v, want %v", got.peer, peer)
	}
}

// doProxyHeaderTCP is Ranch's do_proxy_header_tcp: the header and data1
// in one write, the handler told the header, then data2; both come back.
func doProxyHeaderTCP(t *testing.T, hdr *proxyproto.Header, data1, data2 string) {
	pl, got := proxyPool(t, ListenerOptions{})
	c := pl.dial(t)
	if _, err := c.Write(append(header(t, hdr), data1...)); err != nil {
		t.Fatal(err)
	}
	checkInfo(t, testkit.Recv(t, got, "the handler's header"), hdr, c)
	if _, err := c.Write([]byte(data2)); err != nil {
		t.Fatal(err)
	}
	readBack(t, c, data1+data2)
}

// readBack reads len(want) bytes from c, and checks they are want.
func readBack(t *testing.T, c io.Reader, want string) {
	t.Helper()
	b := make([]byte, len(want))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != want {
		t.Fatalf("read back %q, %v; want %q", b, err, want)
	}
}

func TestRecvV1ProxyHeaderTCP(t *testing.T) {
	doProxyHeaderTCP(t, proxyV1, "", "TCP Ranch is working!")
}

func TestRecvV1ProxyHeaderTCPExtraData(t *testing.T) {
	doProxyHeaderTCP(t, proxyV1, "HELLO", "TCP Ranch is working!")
}

func TestRecvV2ProxyHeaderTCP(t *testing.T) {
	doProxyHeaderTCP(t, proxyV2, "", "TCP Ranch is working!")
}

func TestRecvV2ProxyHeaderTCPExtraData(t *testing.T) {
	doProxyHeaderTCP(t, proxyV2, "HELLO", "TCP Ranch is working!")
}

func TestRecvV2LocalHeaderTCP(t *testing.T) {
	doProxyHeaderTCP(t, localV2, "", "TCP Ranch is working!")
}

func TestRecvV2LocalHeaderTCPExtraData(t *testing.T) {
	doProxyHeaderTCP(t, localV2, "HELLO", "TCP Ranch is working!")
}

// firstWrite is a net.Conn whose first Write is prefixed with head: a
// PROXY header and the TLS client's hello in one segment.
type firstWrite struct {
	net.Conn
	head []byte
}

func (c *firstWrite) Write(b []byte) (int, error) {
	if c.head != nil {
		head := c.head
		c.head = nil
		_, err := c.Conn.Write(append(head, b...))
		return len(b), err
	}
	return c.Conn.Write(b)
}

// doProxyHeaderSSL is Ranch's do_proxy_header_ssl: the header, then a
// TLS connection over the same socket sends data1, the handler is told
// the header, data2 follows and both come back. With extra, the header
// and the client's hello go in one write, so that the acceptor reads
// some of the hello with the header, and puts it back for the handshake.
func doProxyHeaderSSL(t *testing.T, hdr *proxyproto.Header, extra bool, data1, data2 string) {
	p := testkit.NewPKI(t, false)
	pl, got := proxyPool(t, ListenerOptions{TLS: []ssl.Option{ssl.CertFile(p.ServerCert), ssl.KeyFile(p.ServerKey)}})
	raw := pl.dial(t)
	var under net.Conn = raw
	if extra {
		under = &firstWrite{Conn: raw, head: header(t, hdr)}
	} else if _, err := raw.Write(header(t, hdr)); err != nil {
		t.Fatal(err)
	}
	c := tls.Client(under, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"})
	defer c.Close()
	must(t, c.Handshake())
	_, err := c.Write([]byte(data1))
	must(t, err)
	checkInfo(t, testkit.Recv(t, got, "the handler's header"), hdr, raw)
	_, err = c.Write([]byte(data2))
	must(t, err)
	readBack(t, c, data1+data2)
}

func TestRecvV1ProxyHeaderSSL(t *testing.T) {
	doProxyHeaderSSL(t, proxyV1, false, "HELLO", "TLS Ranch is working!")
}

func TestRecvV1ProxyHeaderSSLExtraData(t *testing.T) {
	doProxyHeaderSSL(t, proxyV1, true, "HELLO", "TLS Ranch is working!")
}

func TestRecvV2ProxyHeaderSSL(t *testing.T) {
	doProxyHeaderSSL(t, proxyV2, false, "HELLO", "TLS Ranch is working!")
}

func TestRecvV2ProxyHeaderSSLExtraData(t *testing.T) {
	doProxyHeaderSSL(t, proxyV2, true, "HELLO", "TLS Ranch is working!")
}

func TestRecvV2LocalHeaderSSL(t *testing.T) {
	doProxyHeaderSSL(t, localV2, false, "HELLO", "TLS Ranch is working!")
}

func TestRecvV2LocalHeaderSSLExtraData(t *testing.T) {
	doProxyHeaderSSL(t, localV2, true, "HELLO", "TLS Ranch is working!")
}

// A header in pieces (a byte at a time) is read whole; one with TLVs
// gives them to the handler; the listener's packet type frames what
// follows, lines here, after the header read raw.
func TestProxyHeaderInPiecesTLVsLines(t *testing.T) {
	pl, got := proxyPool(t, ListenerOptions{SocketOptions: []socket.Option{socket.Packet(framing.Line)}})
	hdr := &proxyproto.Header{Version: 2, Family: proxyproto.INET6, Transport: proxyproto.Stream,
		Source: netip.MustParseAddrPort("[2001:db8::1]:50000"), Destination: netip.MustParseAddrPort("[2001:db8::2]:443"),
		TLVs: []proxyproto.TLV{{Type: proxyproto.TypeALPN, Value: []byte("h2")}, {Type: 0xea, Value: []byte("\x01vpce-1")}}}
	c := pl.dial(t)
	b := append(header(t, hdr), "one\ntw"...)
	tcp := c.(*net.TCPConn)
	must(t, tcp.SetNoDelay(true))
	for i := range b {
		if _, err := c.Write(b[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	info := testkit.Recv(t, got, "the handler's header")
	checkInfo(t, info, hdr, c)
	if info.hdr.ALPN() != "h2" {
		t.Errorf("ALPN %q", info.hdr.ALPN())
	}
	if _, err := c.Write([]byte("o\n")); err != nil {
		t.Fatal(err)
	}
	readBack(t, c, "one\ntwo\n")
	if start := pl.ev.wait(t, "conn_start"); start.addr != hdr.Source {
		t.Errorf("ConnectionStart's peer %v, want the header's source %v", start.addr, hdr.Source)
	}
}

// A connection with no header, a bad one, or one that does not finish in
// HandshakeTimeout is closed and costs the listener nothing: no handler
// starts, its slot is freed (with one slot the next client is served),
// and an AcceptErrorEvent says why.
func TestProxyHeaderBadOrMissing(t *testing.T) {
	pl, got := proxyPool(t, ListenerOptions{NumAcceptors: 1, MaxConnections: 1, HandshakeTimeout: 200 * time.Millisecond})
	for _, tc := range []struct {
		name, send string
		why        func(error) bool
	}{
		{"no header", "GET / HTTP/1.1\r\n\r\n", isHeaderError},
		{"bad v1", "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", isHeaderError},
		{"bad v2", "\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x00", isHeaderError},
		{"silent", "", isTimeout},
		{"half a header", "PROXY TCP4 1.2.3.4", isTimeout},
		{"closed halfway", "PROXY TCP4", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := pl.dial(t)
			if tc.send != "" {
				if _, err := c.Write([]byte(tc.send)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.why == nil {
				c.(*net.TCPConn).CloseWrite()
				tc.why = func(err error) bool { return errors.Is(err, socket.ErrClosed) }
			}
			e := pl.ev.wait(t, "accept_error")
			var se *supervisor.Error
			if !errors.As(e.err, &se) || se.Op != "proxy_header" || !tc.why(se.Err) {
				t.Fatalf("accept_error %v, want proxy_header's", e.err)
			}
			testkit.PeerClosed(t, c)
			c.Close()
		})
	}
	pl.ev.none(t, "conn_start")
	if info := pl.l.Info(); info.StartErrors != 0 || info.AllConnections != 0 {
		t.Errorf("Info %+v: a failed header cost the listener", info)
	}
	c := pl.dial(t)
	if _, err := c.Write(append(header(t, proxyV1), "hi"...)); err != nil {
		t.Fatal(err)
	}
	checkInfo(t, testkit.Recv(t, got, "the handler's header"), proxyV1, c)
	readBack(t, c, "hi")
}

func isHeaderError(err error) bool {
	var he *proxyproto.HeaderError
	return errors.As(err, &he)
}

func isTimeout(err error) bool { return errors.Is(err, socket.ErrTimeout) }

// A Protocol's Start has the header as ProxyHeader(ctx); outside a Start
// there is none.
func TestProxyHeaderOfStart(t *testing.T) {
	got := make(chan *proxyproto.Header, 1)
	proto := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		got <- ProxyHeader(ctx)
		return echoProto.Start(ctx, l, s)
	})
	pl := startPool(t, proto, ListenerOptions{ProxyHeader: true, SocketOptions: echoOpts})
	c := pl.dial(t)
	if _, err := c.Write(append(header(t, proxyV2), "x"...)); err != nil {
		t.Fatal(err)
	}
	if h := testkit.Recv(t, got, "Start's header"); !reflect.DeepEqual(h, proxyV2) {
		t.Errorf("ProxyHeader(ctx) = %v, want %v", h, proxyV2)
	}
	readBack(t, c, "x")
	if ProxyHeader(pl.sys.Root) != nil {
		t.Error("ProxyHeader outside a Start is not nil")
	}
}
