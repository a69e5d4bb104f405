package ssl

import (
	"bytes"
	"errors"
	"testing"
	"time"

	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
)

// A TLS echo in {active, once}, {packet, 4}: the owner gets *SSL
// messages with whole packets, the socket goes passive after each.
func TestActiveOnceEcho(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	opts := []Option{SocketOptions(socket.Active(socket.Once), socket.Packet(framing.Four))}
	server, client := pair(t, p, srv, cli, opts, opts)
	for i, msg := range []string{"hello", "", "world", string(bytes.Repeat([]byte("x"), 100000))} {
		must(t, client.Send([]byte(msg)))
		m := testkit.ExpectOf(t, srv, func(m *SSL) bool { return m.Socket == server })
		if string(m.Data) != msg {
			t.Fatalf("packet %d: got %d bytes, want %d", i, len(m.Data), len(msg))
		}
		must(t, server.Send(m.Data))
		m = testkit.ExpectOf(t, cli, func(m *SSL) bool { return m.Socket == client })
		if string(m.Data) != msg {
			t.Fatalf("echo %d: got %d bytes, want %d", i, len(m.Data), len(msg))
		}
		must(t, server.SetOpts(socket.Active(socket.Once)))
		must(t, client.SetOpts(socket.Active(socket.Once)))
	}
}

// Passive Recv of the decrypted stream, {packet, line} and raw with a
// length; then the peer's close_notify is closed.
func TestPassiveRecv(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli,
		[]Option{SocketOptions(socket.Active(socket.False), socket.Packet(framing.Line))},
		[]Option{SocketOptions(socket.Active(socket.False))})
	must(t, client.Send([]byte("one\ntw"), []byte("o\nthree\n")))
	for _, want := range []string{"one\n", "two\n", "three\n"} {
		got, err := server.Recv(0, testkit.WaitBound)
		must(t, err)
		if string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	must(t, server.SetOpts(socket.Packet(framing.Raw)))
	must(t, client.Send([]byte("abcdefgh")))
	got, err := server.Recv(3, testkit.WaitBound)
	must(t, err)
	if string(got) != "abc" {
		t.Fatalf("got %q", got)
	}
	got, err = server.Recv(5, testkit.WaitBound)
	must(t, err)
	if string(got) != "defgh" {
		t.Fatalf("got %q", got)
	}
	must(t, client.Close())
	if _, err := server.Recv(0, testkit.WaitBound); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("recv after the peer's close: %v, want closed", err)
	}
}

// {active, N}: N packets, then *Passive, then nothing until re-armed; the
// peer's close_notify then comes as *Closed.
func TestActiveNPassive(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli,
		[]Option{SocketOptions(socket.Active(socket.N(2)), socket.Packet(framing.Two))}, []Option{SocketOptions(socket.Packet(framing.Two))})
	for _, m := range []string{"a", "b", "c"} {
		must(t, client.Send([]byte(m)))
	}
	isData := func(want string) func(any) bool {
		return func(m any) bool { d, ok := m.(*SSL); return ok && d.Socket == server && string(d.Data) == want }
	}
	isPassive := func(m any) bool { x, ok := m.(*Passive); return ok && x.Socket == server }
	testkit.InOrder(t, srv, isData("a"), isData("b"), isPassive)
	// Passive now: "c" waits in the port for a Recv, and no message
	// brings it.
	got, err := server.Recv(0, testkit.WaitBound)
	must(t, err)
	if string(got) != "c" {
		t.Fatalf("recv: %q, want c", got)
	}
	testkit.None(t, srv, isData("c"))
	must(t, client.Send([]byte("d")))
	must(t, server.SetOpts(socket.Active(socket.N(1))))
	testkit.InOrder(t, srv, isData("d"), isPassive)
	must(t, server.SetOpts(socket.Active(socket.True)))
	must(t, client.Close())
	testkit.Expect(t, srv, func(m any) bool { c, ok := m.(*Closed); return ok && c.Socket == server })
}

// waitRead waits until the port of s has read every byte peer sent.
func waitRead(t *testing.T, s, peer *Socket) {
	t.Helper()
	testkit.Until(t, "the port reads what its peer sent", func() bool {
		a, err1 := s.Socket().GetStat()
		b, err2 := peer.Socket().GetStat()
		return err1 == nil && err2 == nil && a.RecvOct == b.SendOct
	})
}

// controlling_process moves the *SSL and *Closed queued at the old owner
// to the new one, in order, before anything newer.
func TestControllingProcessMovesQueued(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli, next := newProc(t), newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli, []Option{SocketOptions(socket.Packet(framing.Four))}, []Option{SocketOptions(socket.Packet(framing.Four))})
	for _, m := range []string{"a", "b", "c"} {
		must(t, client.Send([]byte(m)))
	}
	waitRead(t, server, client)
	must(t, server.ControllingProcess(srv, next.PID()))
	must(t, client.Send([]byte("d")))
	must(t, client.Close())
	isData := func(want string) func(any) bool {
		return func(m any) bool { d, ok := m.(*SSL); return ok && d.Socket == server && string(d.Data) == want }
	}
	testkit.InOrder(t, next, isData("a"), isData("b"), isData("c"), isData("d"),
		func(m any) bool { c, ok := m.(*Closed); return ok && c.Socket == server })
	testkit.None(t, srv, server.Match)
}

// Close with data in flight: what Send queued goes first, then
// close_notify, which the peer sees as closed after the last byte.
func TestCloseWithDataInFlight(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli, nil, []Option{SocketOptions(socket.Active(socket.False))})
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: more than the kernel takes at once
	must(t, server.Send(data))
	closed := make(chan error, 1)
	go func() { closed <- server.Close() }() // it waits while the client reads
	var got []byte
	for {
		b, err := client.Recv(0, testkit.WaitBound)
		if errors.Is(err, socket.ErrClosed) {
			break
		}
		must(t, err)
		got = append(got, b...)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, want %d", len(got), len(data))
	}
	must(t, testkit.Result(t, "the close", closed))
}

// Send from several goroutines while data comes in: the records that
// Send seals and those the port's reads make (none here, but crypto/tls
// reads and writes under the port's lock alike) never interleave, and
// every packet arrives whole, in each sender's order.
func TestConcurrentSendAndReceive(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	opts := []Option{SocketOptions(socket.Packet(framing.Four), socket.Active(socket.True))}
	server, client := pair(t, p, srv, cli, opts, opts)
	const senders, each = 4, 300
	done := make(chan error, 2*senders)
	send := func(s *Socket, g int) {
		for i := range each {
			if err := s.Send([]byte{byte(g), byte(i >> 8), byte(i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}
	for g := range senders {
		go send(client, g)
		go send(server, g)
	}
	check := func(owner proc, s *Socket) {
		next := make([]int, senders)
		for range senders * each {
			m := testkit.ExpectOf(t, owner, func(m *SSL) bool { return m.Socket == s })
			g, i := int(m.Data[0]), int(m.Data[1])<<8|int(m.Data[2])
			if len(m.Data) != 3 || i != next[g] {
				t.Fatalf("from sender %d: packet %d, want %d", g, i, next[g])
			}
			next[g]++
		}
	}
	check(srv, server)
	check(cli, client)
	for range 2 * senders {
		must(t, testkit.Result(t, "a sender", done))
	}
}

// A close_notify read with the packets before it: the owner gets every
// packet, in {active, once} one re-arm at a time, and *Closed after the
// last; a passive owner's Recv gets them, then closed.
func TestCloseNotifyBehindPackets(t *testing.T) {
	p := testkit.NewPKI(t, false)
	for _, m := range []socket.Mode{socket.Once, socket.False} {
		t.Run(m.String(), func(t *testing.T) {
			srv, cli := newProc(t), newProc(t)
			server, client := pair(t, p, srv, cli,
				[]Option{SocketOptions(socket.Active(socket.False), socket.Packet(framing.Two))},
				[]Option{SocketOptions(socket.Packet(framing.Two))})
			for _, d := range []string{"a", "b", "c"} {
				must(t, client.Send([]byte(d)))
			}
			must(t, client.Close())
			for _, want := range []string{"a", "b", "c"} {
				var got []byte
				if m == socket.Once {
					must(t, server.SetOpts(socket.Active(socket.Once)))
					got = testkit.ExpectOf(t, srv, func(x *SSL) bool { return x.Socket == server }).Data
				} else {
					var err error
					got, err = server.Recv(0, testkit.WaitBound)
					must(t, err)
				}
				if string(got) != want {
					t.Fatalf("got %q, want %q", got, want)
				}
			}
			if m == socket.Once {
				must(t, server.SetOpts(socket.Active(socket.Once)))
				testkit.Expect(t, srv, func(x any) bool { c, ok := x.(*Closed); return ok && c.Socket == server })
			} else if _, err := server.Recv(0, testkit.WaitBound); !errors.Is(err, socket.ErrClosed) {
				t.Fatalf("recv: %v, want closed", err)
			}
		})
	}
}

// The port is linked to its owner and monitors see it exit, as a TCP
// port: an owner that stops closes its TLS socket, and the peer reads
// closed. delay_send queues the records as it queues TCP's bytes.
func TestOwnerExitMonitorDelaySend(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli, watcher := newProc(t), newProc(t), newProc(t)
	owner, err := otpactor.NewProcess(testSystem)
	must(t, err)
	defer owner.Close()
	server, client := pair(t, p, srv, cli, []Option{SocketOptions(socket.DelaySend(true))}, []Option{SocketOptions(socket.Active(socket.False))})
	must(t, server.Send([]byte("delayed")))
	got, err := client.Recv(0, testkit.WaitBound)
	must(t, err)
	if string(got) != "delayed" {
		t.Fatalf("got %q", got)
	}
	must(t, server.ControllingProcess(srv, owner.Self()))
	ref, err := server.Socket().Monitor(watcher)
	must(t, err)
	owner.Close()
	d := testkit.ExpectOf(t, watcher, func(d *socket.Down) bool { return d.Ref == ref })
	if d.Reason != nil {
		t.Fatalf("down: %v, want normal", d.Reason)
	}
	if _, err := client.Recv(0, testkit.WaitBound); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("recv: %v, want closed", err)
	}
}

// send_timeout and the watermarks weigh the queued records: a peer that
// reads nothing makes Sends busy, one times out, and with
// send_timeout_close the connection closes under the port.
func TestSendTimeoutBusy(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	server, _ := pair(t, p, srv, cli,
		[]Option{SocketOptions(socket.SendTimeout(100*time.Millisecond), socket.SendTimeoutClose(true), socket.HighWatermark(4096), socket.LowWatermark(1024))},
		[]Option{SocketOptions(socket.Active(socket.False))})
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	var err error
	for range 1000 { // far more than the kernel's buffers take
		if err = server.Send(chunk); err != nil {
			break
		}
	}
	if !errors.Is(err, socket.ErrTimeout) {
		t.Fatalf("send: %v, want timeout", err)
	}
	// As a TCP port's, inet_drv's: the fd is closed, the port lives on,
	// not connected.
	if err := server.Send([]byte("more")); !errors.Is(err, unix.ENOTCONN) {
		t.Fatalf("send after send_timeout_close: %v, want enotconn", err)
	}
}
