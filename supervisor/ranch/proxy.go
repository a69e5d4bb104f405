package ranch

import (
	"errors"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet/proxyproto"
	"github.com/otpnet/otpnet/socket"
)

// The PROXY protocol (ListenerOptions.ProxyHeader), Ranch's
// recv_proxy_header, read by the connection's pending handshake
// (pending.go), before its TLS handshake if any:
//
//	Recv(0) bounded by what is left of HandshakeTimeout, raw
//	proxyproto.Parse what was read so far
//	    need more: Recv again, within what is left of the time
//	    a header: the bytes after it go back (Unrecv), the socket takes
//	        the listener's packet type again, and the TLS handshake, if
//	        any, and the hand-off follow, the handshake within what is
//	        left of the time
//	    not a header, a bad one, timeout, closed: close the socket, free
//	        the slot, AcceptErrorEvent (Op "proxy_header")
//
// Ranch reads the header in the connection's process, after the
// hand-off, with one recv: here no handler starts for a connection whose
// header is bad or missing, and a header that comes in several segments
// is read whole.

// readProxy reads the PROXY header of h's connection, by deadline, and
// keeps it in h.
func (l *Listener) readProxy(h *handoff, deadline time.Time) error {
	if l.packet != nil {
		// Fails only for a closed socket, which the Recv then reports.
		_ = h.sock.SetOpts(socket.Packet(framing.Raw))
	}
	var b []byte
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return socket.ErrTimeout
		}
		data, err := h.sock.Recv(0, left)
		if err != nil {
			return err
		}
		b = append(b, data...) // data is the caller's to keep: the header's TLVs may share it
		hdr, n, err := proxyproto.Parse(b)
		if errors.Is(err, proxyproto.ErrIncomplete) {
			continue
		}
		if err != nil {
			return err
		}
		if n < len(b) {
			err = h.sock.Unrecv(b[n:])
		}
		if err == nil && l.packet != nil {
			err = h.sock.SetOpts(*l.packet)
		}
		if err != nil {
			return err // closed meanwhile
		}
		h.proxy = detach(hdr)
		if client, ok := clientAddr(hdr); ok && l.events.peers() {
			h.peer = client
		}
		return nil
	}
}

// detach copies h's TLVs, whose values share the bytes read, so that the
// connection keeps them and not all that was read with them: one slice of
// their exact number and one array for all their values.
func detach(h *proxyproto.Header) *proxyproto.Header {
	if len(h.TLVs) == 0 {
		h.TLVs = nil
		return h
	}
	n := 0
	for _, t := range h.TLVs {
		n += len(t.Value)
	}
	tlvs := make([]proxyproto.TLV, len(h.TLVs))
	b := make([]byte, 0, n)
	for i, t := range h.TLVs {
		b = append(b, t.Value...)
		tlvs[i] = proxyproto.TLV{Type: t.Type, Value: b[len(b)-len(t.Value) : len(b) : len(b)]}
	}
	h.TLVs = tlvs
	return h
}

// clientAddr returns the client's address a header gives: its source, for
// a PROXY command over TCP4 or TCP6; not for LOCAL, UNKNOWN or UNIX, whose
// connection's own peer is the one to use.
func clientAddr(h *proxyproto.Header) (netip.AddrPort, bool) {
	if h == nil || h.Command != proxyproto.Proxy || (h.Family != proxyproto.INET && h.Family != proxyproto.INET6) {
		return netip.AddrPort{}, false
	}
	return h.Source, true
}

// ProxyHeader returns the PROXY header of the connection being started,
// for a Protocol's Start given ctx, its context: nil if the listener reads
// none (ListenerOptions.ProxyHeader), or outside a Start. A
// HandlerProtocol's handlers have it as Conn.Proxy.
func ProxyHeader(ctx actor.SpawnerContext) *proxyproto.Header {
	if sc, ok := ctx.(*startContext); ok {
		return sc.h.proxy
	}
	return nil
}

// Proxy returns the connection's PROXY header, Ranch's proxy_info(): nil
// unless the listener reads one (ListenerOptions.ProxyHeader). Its
// Source is the client's address (which Peername returns), its
// Destination the address the client connected to; the proxy's own
// address is c.Socket().Peername().
func (c *Conn) Proxy() *proxyproto.Header {
	if p, ok := c.h.(*proxied); ok {
		return p.hdr
	}
	return nil
}

// proxied is the Handler of a Conn that has a PROXY header: the user's,
// and the header. A Conn has no room for it, and connections without one
// (most) pay nothing for it: 64 bytes is an allocator's size class, and
// Conn fills it.
type proxied struct {
	Handler
	hdr *proxyproto.Header
}

// withProxy gives c its PROXY header, if it has one.
func (c *Conn) withProxy(hdr *proxyproto.Header) {
	if hdr != nil {
		c.h = &proxied{c.h, hdr}
	}
}

// Peername returns the client's address: the source of the connection's
// PROXY header, if it has one with a TCP4 or TCP6 address, else the
// socket's peer, the proxy's address for a LOCAL or UNKNOWN header, as
// the PROXY protocol tells a receiver to use then.
func (c *Conn) Peername() (netip.AddrPort, error) {
	if client, ok := clientAddr(c.Proxy()); ok {
		return client, nil
	}
	return c.s.Peername()
}
