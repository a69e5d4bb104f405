package ssl

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// Once the owner releases a packet's data, the port puts later packets in
// recycled buffers of the class that fits them, a packet of many records
// (1 MiB) too, and every packet arrives whole and its own: two packets
// held at once never share a buffer, whatever was released before.
func TestReleaseRecycles(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	opts := []Option{SocketOptions(socket.Active(socket.False), socket.Packet(framing.Four))}
	server, client := pair(t, p, srv, cli, opts, opts)
	sizes := []int{65, 100, 128, 129, 4096, 4000, 5000, 65536, 65537, 300, 4096, 64, 16 << 10, 1<<20 + 3, 300}
	var held *SSL // the packet before, released once the next has come
	for i, n := range sizes {
		want := testkit.PacketOf(i, n)
		must(t, client.Send(want))
		must(t, server.SetOpts(socket.Active(socket.Once)))
		m := testkit.ExpectOf(t, srv, func(m *SSL) bool { return m.Socket == server })
		if !bytes.Equal(m.Data, want) {
			t.Fatalf("packet %d (%d bytes) is not what was sent", i, n)
		}
		if m.ref.Kind() == recycle.Pooled && cap(m.Data) != len(m.Data) {
			t.Errorf("packet %d: Data's capacity %d passes its length %d", i, cap(m.Data), len(m.Data))
		}
		pooled := i > 1 && n > smallPacket && n <= recycle.MaxPooled // packet 0 was released when packet 1 had come
		if got := m.ref.Kind() == recycle.Pooled; got != pooled {
			t.Errorf("packet %d (%d bytes): in a recycled buffer %v, want %v", i, n, got, pooled)
		}
		if held != nil {
			if !bytes.Equal(held.Data, testkit.PacketOf(i-1, sizes[i-1])) {
				t.Fatalf("packet %d changed when packet %d came", i-1, i)
			}
			must(t, held.Release())
		}
		held = m
	}
	must(t, held.Release())
}

// Releasing twice is caught: the second Release answers
// socket.ErrReleased, and Data is nil after the first. A small packet's
// message, an HTTP packet's and a composite literal give nothing back
// either; a nil message's Release does nothing.
func TestReleaseTwice(t *testing.T) {
	l := recyclingLayer(t)
	for _, m := range []*SSL{
		l.Data(testkit.PacketOf(1, 4096), nil).(*SSL),
		l.Data(testkit.PacketOf(2, smallPacket), nil).(*SSL),
		l.Data(nil, framing.HTTPEOH{}).(*SSL),
		{Socket: (*Socket)(l), Data: []byte("mine")},
		{Data: []byte("no socket")},
	} {
		must(t, m.Release())
		if m.Data != nil {
			t.Fatalf("Data is %q after Release", m.Data)
		}
		if err := m.Release(); !errors.Is(err, socket.ErrReleased) {
			t.Fatalf("second Release: %v, want ErrReleased", err)
		}
	}
	if err := (*SSL)(nil).Release(); err != nil {
		t.Fatalf("a nil message's Release: %v", err)
	}
}

// recyclingLayer returns the layer of a TLS server socket whose port
// recycles: its owner has released a packet.
func recyclingLayer(t *testing.T) *tlsLayer {
	t.Helper()
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli, []Option{SocketOptions(socket.Active(socket.Once))}, nil)
	must(t, client.Send(testkit.PacketOf(0, 4096)))
	m := testkit.ExpectOf(t, srv, func(m *SSL) bool { return m.Socket == server })
	if m.ref.Kind() != recycle.First {
		t.Fatalf("a port whose owner never released made a packet of kind %d, want First", m.ref.Kind())
	}
	must(t, m.Release())
	return (*tlsLayer)(server)
}

// A copy of a message shares its recycled buffer: copies released at
// once by goroutines of their own give it back once, every other
// Release answers ErrReleased, and the next two packets of the class
// have buffers of their own.
func TestReleaseCopiesConcurrently(t *testing.T) {
	l := recyclingLayer(t)
	m := l.Data(testkit.PacketOf(1, 4096), nil).(*SSL)
	releases := []func() error{m.Release}
	for range 7 {
		v := new(SSL) // v := *m, which go vet reports in a program
		reflect.ValueOf(v).Elem().Set(reflect.ValueOf(m).Elem())
		releases = append(releases, v.Release)
	}
	if n := testkit.ReleaseAtOnce(t, socket.ErrReleased, releases...); n != 1 {
		t.Fatalf("%d copies' Release gave the buffer back, want 1", n)
	}
	a, b := l.Data(testkit.PacketOf(2, 4096), nil).(*SSL), l.Data(testkit.PacketOf(3, 4096), nil).(*SSL)
	if unsafe.SliceData(a.Data) == unsafe.SliceData(b.Data) {
		t.Fatal("two packets held at once share a buffer")
	}
	a.Release()
	b.Release()
}

// ControllingProcess stops the port recycling, as for a TCP port: the
// new owner's packets are copied as ever until it releases one.
func TestControllingProcessStopsRecycling(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli, next := newProc(t), newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli, []Option{SocketOptions(socket.Active(socket.Once))}, nil)
	must(t, client.Send(testkit.PacketOf(0, 4096)))
	m := testkit.ExpectOf(t, srv, func(m *SSL) bool { return m.Socket == server })
	must(t, m.Release())
	must(t, server.ControllingProcess(srv, next.Self()))
	must(t, client.Send(testkit.PacketOf(1, 4096)))
	must(t, server.SetOpts(socket.Active(socket.Once)))
	m = testkit.ExpectOf(t, next, func(m *SSL) bool { return m.Socket == server })
	if k := m.ref.Kind(); k != recycle.First || !bytes.Equal(m.Data, testkit.PacketOf(1, 4096)) {
		t.Fatalf("the new owner's packet is of kind %d, want First, the packet sent", k)
	}
}

// A small packet still shares one allocation with its message, and a
// recycled packet costs one allocation, its message.
func TestSSLAllocations(t *testing.T) {
	if size := unsafe.Sizeof(smallSSL{}); size != 128 {
		t.Errorf("a small packet's message is %d bytes, want 128", size)
	}
	l := recyclingLayer(t)
	for _, c := range []struct{ n, allocs int }{{smallPacket, 1}, {4096, 1}} {
		p := testkit.PacketOf(1, c.n)
		if n := testing.AllocsPerRun(100, func() { l.Data(p, nil).(*SSL).Release() }); n != float64(c.allocs) {
			t.Errorf("a recycled %d-byte packet allocates %v times, want %d", c.n, n, c.allocs)
		}
	}
}

// Socket's done flag takes the padding after notified: an idle TLS port
// is no larger for it.
func TestSocketSizeof(t *testing.T) {
	if size := unsafe.Sizeof(Socket{}); size != 176 {
		t.Errorf("Socket is %d bytes, want 176", size)
	}
}
