package socket_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket"
)

// A socket as a net.Conn, for what takes one: here bufio.Scanner reads
// the lines a peer sends until it closes. The Conn's socket is passive
// and raw; its owner, me, must live as long as the Conn is used.
func ExampleNewConn() {
	system := actor.NewSystem()
	me, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Close()
	lsock, _ := socket.Listen(me, 0, socket.Active(socket.False))
	defer lsock.Close()
	port, _ := lsock.Port()

	go func() {
		peer, _ := actor.NewProcess(system)
		defer peer.Close()
		s, _ := socket.Connect(peer, "localhost", port, socket.Infinity)
		s.Send([]byte("first line\nsecond "), []byte("line\n"))
		s.Close()
	}()

	s, _ := lsock.Accept(me, socket.Infinity)
	conn, err := socket.NewConn(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		fmt.Println(sc.Text())
	}
	fmt.Println("end:", sc.Err())
	// Output:
	// first line
	// second line
	// end: <nil>
}

// A listening socket as a net.Listener: net/http serves over it. The
// connections it accepts belong to the listening socket's owner.
func ExampleNewListener() {
	system := actor.NewSystem()
	me, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Close()
	lsock, _ := socket.Listen(me, 0, socket.IP(netip.MustParseAddr("127.0.0.1")), socket.Active(socket.False))
	ln, err := socket.NewListener(lsock)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", r.URL.Path[1:])
	})}
	go srv.Serve(ln)
	defer srv.Close() // closes ln

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get("http://" + ln.Addr().String() + "/otpnet")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.Status, string(body))
	// Output: 200 OK hello, otpnet
}

// A Recv until a context is done, rather than for a timeout: its error
// is timeout, as Erlang says, and the context's.
func ExampleSocket_RecvContext() {
	system := actor.NewSystem()
	me, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Close()
	lsock, _ := socket.Listen(me, 0, socket.Active(socket.False))
	defer lsock.Close()
	port, _ := lsock.Port()
	c, _ := socket.Connect(me, "localhost", port, socket.Infinity)
	defer c.Close()
	s, _ := lsock.Accept(me, socket.Infinity)
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = s.RecvContext(ctx, 0)
	fmt.Println(err)
	fmt.Println(errors.Is(err, socket.ErrTimeout), errors.Is(err, context.DeadlineExceeded), inet.Reason(err))
	// Output:
	// socket: recv: timeout (context deadline exceeded)
	// true true timeout
}
