package ranch

import (
	"errors"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet/proxyproto"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
)

// The PROXY protocol (ListenerOptions.ProxyHeader), Ranch's
// recv_proxy_header, read by the acceptor as part of its hand-off:
//
//	accepted: AsyncRecv(0) bounded by HandshakeTimeout, raw
//	*socket.RecvResult: proxyproto.Parse what was read so far
//	    need more: AsyncRecv again, within what is left of the time
//	    a header: the bytes after it go back (Unrecv), the socket takes
//	        the listener's packet type again, and the TLS handshake, if
//	        any, and the hand-off follow, the handshake within what is
//	        left of the time
//	    not a header, a bad one, timeout, closed: close the socket, free
//	        the slot, AcceptErrorEvent (Op "proxy_header"), accept again
//
// The read is an AsyncRecv whose answer is a message, as the accept's is:
// a pending header costs no goroutine, as a TLS handshake's does. As the
// TLS handshake, it holds its acceptor until it ends, so a proxy that is
// slow to send headers slows its acceptor only, for at most
// HandshakeTimeout. Ranch reads the header in the connection's process,
// after the hand-off, with one recv: here no handler starts for a
// connection whose header is bad or missing, and a header that comes in
// several segments is read whole.

// readProxy starts reading the PROXY header of the connection accepted.
func (a *acceptor) readProxy(ctx actor.Context) {
	h := a.h
	h.deadline = time.Now().Add(a.l.opts.HandshakeTimeout)
	if a.l.packet != nil {
		// Fails only for a closed socket, which the Recv then reports.
		_ = h.sock.SetOpts(socket.Packet(framing.Raw))
	}
	a.proxy = nil
	a.recvProxy(ctx)
}

// recvProxy asks for more of the header, within its time.
func (a *acceptor) recvProxy(ctx actor.Context) {
	a.state = proxying
	left := time.Until(a.h.deadline)
	if left <= 0 {
		a.dropProxy(ctx, socket.ErrTimeout)
		return
	}
	ref, err := a.h.sock.AsyncRecv(ctx, 0, left)
	if err != nil {
		a.dropProxy(ctx, err)
		return
	}
	a.ref = ref
}

// proxyRead takes what the AsyncRecv of the header read.
func (a *acceptor) proxyRead(ctx actor.Context, r *socket.RecvResult) {
	if r.Err != nil {
		a.dropProxy(ctx, r.Err)
		return
	}
	b := r.Data // the caller's to keep: the header's TLVs may share it
	if a.proxy != nil {
		b = append(a.proxy, b...)
	}
	hdr, n, err := proxyproto.Parse(b)
	switch {
	case errors.Is(err, proxyproto.ErrIncomplete):
		a.proxy = b
		a.recvProxy(ctx)
		return
	case err != nil:
		a.dropProxy(ctx, err)
		return
	}
	a.proxy = nil
	h, l := a.h, a.l
	if n < len(b) {
		err = h.sock.Unrecv(b[n:])
	}
	if err == nil && l.packet != nil {
		err = h.sock.SetOpts(*l.packet)
	}
	if err != nil {
		a.dropProxy(ctx, err) // closed meanwhile
		return
	}
	h.proxy = detach(hdr)
	if client, ok := clientAddr(hdr); ok && l.events.peers() {
		h.peer = client
	}
	a.secure(ctx)
}

// detach copies the values of h's TLVs, which share the bytes read, so
// that the connection keeps them and not all that was read with them.
func detach(h *proxyproto.Header) *proxyproto.Header {
	n := 0
	for _, t := range h.TLVs {
		n += len(t.Value)
	}
	if n == 0 {
		return h
	}
	b := make([]byte, 0, n)
	for i, t := range h.TLVs {
		b = append(b, t.Value...)
		h.TLVs[i].Value = b[len(b)-len(t.Value) : len(b) : len(b)]
	}
	return h
}

// dropProxy gives up a connection whose PROXY header could not be read:
// its socket is closed, its slot freed, and an AcceptErrorEvent says why.
func (a *acceptor) dropProxy(ctx actor.Context, reason error) {
	h := a.h
	a.h, a.proxy = nil, nil
	a.l.closeSocket(h)
	a.l.gate.unreserve()
	a.l.acceptError(AcceptErrorEvent{Acceptor: h.id, Err: &supervisor.Error{Op: "proxy_header", Err: reason}})
	a.next(ctx)
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
