package ssl

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otpnet/otpnet/socket"
)

// wire is the net.Conn under a Socket's tls.Conn. While the handshake
// runs it is the socket as a blocking net.Conn (socket.Conn: Read is a
// Recv, Write a Send), on the goroutine that calls Handshake. Once the
// handshake is done it is a buffer between crypto/tls and the port: the
// port gives it what it read and calls tls.Conn.Read until it is empty,
// where its Read answers errWouldBlock, a net.Error whose Temporary is
// true, on which crypto/tls keeps a partial record and returns without
// marking the connection broken (crypto/tls's readRecordOrCCS); and what
// crypto/tls writes (records, alerts, a key update) it keeps for the port
// to queue. No goroutine waits on an established connection.
type wire struct {
	hs   *socket.Conn // the handshake's, until it is done
	in   []byte       // established: the bytes the port read, not yet taken
	out  []byte       // established: what crypto/tls wrote, for the port to queue
	addr [2]net.Addr  // local, remote
}

// errWouldBlock is wire's Read of an empty buffer.
var errWouldBlock net.Error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "ssl: no more bytes read" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

func (w *wire) Read(b []byte) (int, error) {
	if w.hs != nil {
		return w.hs.Read(b)
	}
	if len(w.in) == 0 {
		return 0, errWouldBlock
	}
	n := copy(b, w.in)
	w.in = w.in[n:]
	return n, nil
}

func (w *wire) Write(b []byte) (int, error) {
	if w.hs != nil {
		return w.hs.Write(b)
	}
	if w.out == nil {
		w.out = getBuf(len(b))
	}
	w.out = append(w.out, b...)
	return len(b), nil
}

// Close does nothing: the Socket closes its socket itself.
func (w *wire) Close() error { return nil }

func (w *wire) LocalAddr() net.Addr  { return w.addr[0] }
func (w *wire) RemoteAddr() net.Addr { return w.addr[1] }

func (w *wire) SetDeadline(t time.Time) error {
	if w.hs != nil {
		return w.hs.SetDeadline(t)
	}
	return nil
}

func (w *wire) SetReadDeadline(t time.Time) error {
	if w.hs != nil {
		return w.hs.SetReadDeadline(t)
	}
	return nil
}

func (w *wire) SetWriteDeadline(t time.Time) error {
	if w.hs != nil {
		return w.hs.SetWriteDeadline(t)
	}
	return nil
}

// A bufPool keeps buffers, each in a *[]byte, with the empty *[]byte
// waiting in empty, so that neither get nor put allocates once they are
// warm.
type bufPool struct{ full, empty sync.Pool }

// get returns an empty buffer of p, or nil.
func (p *bufPool) get() []byte {
	bp, ok := p.full.Get().(*[]byte)
	if !ok {
		return nil
	}
	b := (*bp)[:0]
	*bp = nil
	p.empty.Put(bp)
	return b
}

// put gives b to p.
func (p *bufPool) put(b []byte) {
	bp, ok := p.empty.Get().(*[]byte)
	if !ok {
		bp = new([]byte)
	}
	*bp = b[:0]
	p.full.Put(bp)
}

// bufs keeps the buffers a layer uses while the port's lock is held (its
// plaintext, its records: several at once), so that an idle connection
// holds none; crypto/tls's record buffers have their own pool
// (recordBufs). A buffer of bufs too small for getBuf is left to the GC.
var bufs bufPool

// getBuf returns an empty buffer of at least n bytes' capacity.
func getBuf(n int) []byte {
	if b := bufs.get(); cap(b) >= n {
		return b
	}
	return make([]byte, 0, max(n, 4096))
}

// putBuf gives b back to bufs; a very large one is left to the GC.
func putBuf(b []byte) {
	if cap(b) == 0 || cap(b) > 256<<10 {
		return
	}
	bufs.put(b)
}

// tlsLayer is the Socket as the port's layer (socket/internal/layer):
// every method runs with the port's lock held, so crypto/tls is used by
// one goroutine at a time, and writes to wire's out, which the port
// queues, without ever taking that lock.
type tlsLayer Socket

// Input decrypts the bytes the port read: all of them, so that none of
// the driver's buffer is kept.
func (l *tlsLayer) Input(wireBytes []byte) (plain, out []byte, err error) {
	w := &l.w
	w.in = wireBytes
	lendRecordBuf(l.conn)
	plain = getBuf(len(wireBytes) + 1024)
	for {
		if cap(plain)-len(plain) < 1024 {
			plain = append(plain, make([]byte, 16<<10)...)[:len(plain)]
		}
		n, rerr := l.conn.Read(plain[len(plain):cap(plain)])
		plain = plain[:len(plain)+n]
		if rerr != nil {
			if rerr != errWouldBlock && rerr != io.EOF {
				err = alertOf(rerr)
			} else if rerr == io.EOF {
				err = io.EOF
			}
			break
		}
		if len(w.in) == 0 && !moreToRead(l.conn) {
			break // the next Read would only find wire empty
		}
	}
	w.in = nil
	l.plain = plain
	return plain, w.out, err
}

// Append adds b to the plaintext of the next Seal: the first slice is
// kept as it is, and a second one makes a buffer of both.
func (l *tlsLayer) Append(b []byte) {
	switch {
	case l.pending == nil && l.plain == nil:
		l.pending = b
	case l.plain == nil:
		l.plain = append(getBuf(len(l.pending)+len(b)), l.pending...)
		l.plain = append(l.plain, b...)
		l.pending = nil
	default:
		l.plain = append(l.plain, b...)
	}
}

// Seal encrypts what Append gave as one write: crypto/tls makes records
// of each Write.
func (l *tlsLayer) Seal() ([]byte, error) {
	b := l.pending
	if l.plain != nil {
		b = l.plain
	}
	l.pending = nil
	if len(b) == 0 {
		return nil, nil
	}
	queued := len(l.w.out)
	if _, err := l.conn.Write(b); err != nil {
		return nil, writeErr(err)
	}
	return l.w.out[queued:], nil
}

// CloseNotify sends close_notify, once. It returns only the alert: what
// wire's out held already (a key update Input answered, when the peer's
// close_notify came in the same read and the port closes on it) the port
// has queued.
func (l *tlsLayer) CloseNotify() []byte {
	if l.conn == nil || l.notified {
		return nil
	}
	l.notified = true
	queued := len(l.w.out)
	l.conn.CloseWrite()
	return l.w.out[queued:]
}

// Done gives the buffers back, its own and those of crypto/tls that
// hold nothing (tlsbuffers.go), so that an idle connection keeps none.
func (l *tlsLayer) Done() {
	hook := testHookDone.Load()
	if hook != nil {
		(*hook)(l, false)
	}
	putBuf(l.plain)
	putBuf(l.w.out)
	l.plain, l.w.out = nil, nil
	releaseTLSBuffers(l.conn)
	if hook != nil {
		(*hook)(l, true)
	}
}

// testHookDone, when a test sets it, is called at the start of each Done
// (done false: the port has just used the buffers) and at its end (done
// true), with the port's lock held.
var testHookDone atomic.Pointer[func(l *tlsLayer, done bool)]

// Closed is {ssl_closed, S}.
func (l *tlsLayer) Closed() any { return &Closed{Socket: (*Socket)(l)} }

// Error is {ssl_error, S, Reason}: an alert is an *Alert.
func (l *tlsLayer) Error(why error) any { return &Error{Socket: (*Socket)(l), Reason: alertOf(why)} }

// Passive is {ssl_passive, S}.
func (l *tlsLayer) Passive() any { return &Passive{Socket: (*Socket)(l)} }

// writeErr is the reason of a failed tls.Conn.Write: closed once
// close_notify is sent, else the alert.
func writeErr(err error) error {
	if errors.Is(err, net.ErrClosed) || err.Error() == "tls: protocol is shutdown" {
		return socket.ErrClosed
	}
	return alertOf(err)
}

var _ = tls.Conn{}
