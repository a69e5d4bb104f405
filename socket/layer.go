package socket

import (
	"io"
	"slices"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket/internal/layer"
)

// A layer (package socket/internal/layer) is a protocol run over the
// port: TLS, installed by package socket/ssl. The port reads and sends
// through it, and frames, delivers, counts active modes and tells its
// owner as it does for TCP, with the layer's messages in place of *TCP,
// *TCPClosed, *TCPError and *TCPPassive. Its state is out of line
// (portExt), so a TCP port is as small as ever, and its only cost to one
// is a nil check where a message is made.
//
// Lock order: the port's mu, then the layer's own locks (crypto/tls's).
// The layer never takes the port's lock: what it must send while the
// port reads (an alert, a key update) it returns, and the port queues it.

func init() {
	layer.Attach = attachLayer
	layer.Of = func(sa any) layer.Layer {
		s, ok := sa.(*Socket)
		if !ok || s == nil {
			return nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.layerOf()
	}
	layer.OnExit = onExit
	layer.Recycling = func(sa any) bool { return sa.(*Socket).recycling() }
	layer.StartRecycling = func(sa any) { sa.(*Socket).startRecycling() }
	layer.CheckOptions = func(opts any) error {
		for _, o := range opts.([]Option) {
			if err := checkValue(o); err != nil {
				return err
			}
		}
		return nil
	}
}

// onExit is layer.OnExit.
func onExit(sa any, f func()) (stop func()) {
	s := sa.(*Socket)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited {
		f()
		return func() {}
	}
	p := &f
	x := s.extra()
	x.onExit = append(x.onExit, p)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.ext != nil {
			if i := slices.Index(s.ext.onExit, p); i >= 0 {
				s.ext.onExit = slices.Delete(s.ext.onExit, i, i+1)
				s.tidyExt()
			}
		}
	}
}

// attachLayer installs l on s, a passive socket with no Recv pending, and
// runs the bytes read and not yet received through it: they are the
// first of l's stream.
func attachLayer(sa any, l layer.Layer) error {
	s, ok := sa.(*Socket)
	if !ok || s == nil || l == nil {
		return ErrBadArg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed():
		return ErrClosed
	case s.listener, s.active.active(), s.recv != nil, s.ext != nil && s.ext.layer != nil:
		return ErrBadArg
	}
	s.extra().layer = l
	// The layer may hold a record already (crypto/tls reads ahead during
	// its handshake), and the port may hold bytes read and not received:
	// both are decoded now, and wait for the owner in the buffer. From
	// now on the port counts reads (getstat): the bytes it holds were not
	// delivered, so not counted, and count as one read now.
	wire := s.buf
	s.buf = nil
	if len(wire) > 0 {
		s.stats.input(len(wire))
	}
	s.layerRead(l, wire)
	s.settleBuf() // the layer has taken what a mapped buffer held
	return nil
}

// layerOf returns the socket's layer, nil for a TCP port. The caller
// holds s.mu.
func (s *Socket) layerOf() layer.Layer {
	if s.ext == nil {
		return nil
	}
	return s.ext.layer
}

// layerRead is OnRead through the layer l: the plaintext that data
// completes is framed and delivered as a TCP port's bytes are; what the
// layer must send in answer is queued first. It reports whether the port
// wants more. The caller holds s.mu.
func (s *Socket) layerRead(l layer.Layer, data []byte) bool {
	plain, out, err := l.Input(data)
	defer l.Done()
	if len(out) > 0 && !s.gone {
		if _, werr := s.pool().Writev(s.h, [][]byte{out}); werr != nil {
			err = io.EOF // the peer is gone: nothing more will be read
		}
	}
	more := s.recv != nil || s.active.active() && !s.dead
	if len(plain) > 0 {
		more = s.feed(plain)
	}
	if err != nil {
		if more || len(s.buf) == 0 {
			s.layerGone(err)
		} else {
			// Packets decoded before the end wait for the owner: the
			// end comes after them, when the port would read again.
			s.ext.layerEnd = err
		}
		return false
	}
	return more
}

// layerGone is peerGone for the end of the layer's stream: io.EOF (TLS's
// close_notify) is closed, any other error the reason. The caller holds
// s.mu.
func (s *Socket) layerGone(err error) {
	if err == io.EOF {
		err = nil
	}
	s.peerGone(err)
}

// readMore makes the driver read for the port, or, when the layer's
// stream has ended behind the packets the port held, tells that end now.
// The caller holds s.mu.
func (s *Socket) readMore() {
	if x := s.ext; x != nil && x.layerEnd != nil {
		err := x.layerEnd
		x.layerEnd = nil
		s.layerGone(err)
		return
	}
	s.pool().Resume(s.h)
}

// layerSeal turns the plaintext bufs of a Send into the layer's records,
// in bufs[0]. The caller holds s.mu, and calls l.Done once the records
// are queued.
func (s *Socket) layerSeal(l layer.Layer, bufs [][]byte) ([][]byte, error) {
	for _, b := range bufs {
		l.Append(b)
	}
	records, err := l.Seal()
	if err != nil {
		return nil, err
	}
	return append(bufs[:0], records), nil
}

// closeNotify sends the layer's end of stream (TLS's close_notify) ahead
// of a Close, a Shutdown of the write side or an exit, while the peer
// can still be written to. The caller holds s.mu.
func (s *Socket) closeNotify() {
	l := s.layerOf()
	if l == nil || s.dead || s.unconnected() {
		return
	}
	if b := l.CloseNotify(); len(b) > 0 {
		s.pool().Writev(s.h, [][]byte{b})
	}
	l.Done()
}

// dataMsg is the message of one packet: *TCP or *HTTP, or the layer's.
// The caller holds s.mu.
func (s *Socket) dataMsg(r framing.Result) any {
	if l := s.layerOf(); l != nil {
		return l.Data(r.Packet, r.HTTP)
	}
	if r.HTTP != nil {
		return &HTTP{Socket: s, Packet: r.HTTP}
	}
	return newTCP(s, r.Packet)
}

// passiveMsg is *TCPPassive, or the layer's. The caller holds s.mu.
func (s *Socket) passiveMsg() any {
	if l := s.layerOf(); l != nil {
		return l.Passive()
	}
	return &TCPPassive{Socket: s}
}

// closedMsg is *TCPClosed, or the layer's. The caller holds s.mu.
func (s *Socket) closedMsg() any {
	if l := s.layerOf(); l != nil {
		return l.Closed()
	}
	return &TCPClosed{Socket: s}
}

// errorMsg is *TCPError, or the layer's. The caller holds s.mu.
func (s *Socket) errorMsg(why error) any {
	if l := s.layerOf(); l != nil {
		return l.Error(why)
	}
	return &TCPError{Socket: s, Reason: why}
}
