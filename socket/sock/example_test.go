package sock_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket/sock"
)

// UDP over loopback, as in Erlang:
//
//	{ok, S} = socket:open(inet, dgram, udp),
//	ok = socket:bind(S, loopback),
//	{ok, Dest} = socket:sockname(S),
//	ok = socket:sendto(S, <<"ping">>, Dest),
//	{ok, {From, Data}} = socket:recvfrom(S, 0, 5000).
func Example() {
	s, _ := sock.Open(sock.Inet, sock.Dgram, sock.UDP)
	defer s.Close()
	s.Bind(sock.Loopback(sock.Inet, 0))
	dest, _ := s.Sockname()
	s.Sendto([]byte("ping"), dest, sock.Infinity)
	from, data, err := s.Recvfrom(0, 5*time.Second)
	fmt.Printf("%s from itself: %v, err %v\n", data, from == dest, err)
	// Output: ping from itself: true, err <nil>
}

// A TCP exchange: Recv of a Length waits for that many bytes.
func ExampleSocket_Recv() {
	l, _ := sock.Open(sock.Inet, sock.Stream, sock.TCP)
	defer l.Close()
	l.Bind(sock.Loopback(sock.Inet, 0))
	l.Listen(sock.DefaultBacklog)
	addr, _ := l.Sockname()

	c, _ := sock.Open(sock.Inet, sock.Stream, sock.TCP)
	defer c.Close()
	c.Connect(addr, sock.Infinity)
	s, _ := l.Accept(sock.Infinity)
	defer s.Close()

	c.Send([]byte("hello, world"), sock.Infinity)
	hello, _ := s.Recv(5, sock.Infinity)
	rest, _ := s.Recv(7, sock.Infinity)
	fmt.Printf("%q %q\n", hello, rest)

	// Nothing more: {error, timeout}.
	_, err := s.Recv(0, 10*time.Millisecond)
	fmt.Println(err, errors.Is(err, inet.ErrTimeout))
	// Output:
	// "hello" ", world"
	// socket: recv: timeout true
}

// Errors carry Erlang's reasons.
func ExampleOpen() {
	_, err := sock.Open(sock.Inet, sock.Stream, sock.UDP)
	fmt.Println(err, inet.Reason(err))
	_, err = sock.Open(sock.Domain(99), sock.Stream, sock.TCP)
	fmt.Println(err, inet.Reason(err))
	// Output:
	// socket: open: eprotonosupport eprotonosupport
	// socket: open: invalid domain Domain(99): want inet or inet6 badarg
}

// Addresses print as Erlang prints the sockaddr map.
func ExampleAddr_String() {
	fmt.Println(sock.AddrFrom(netip.MustParseAddrPort("127.0.0.1:4000")))
	fmt.Println(sock.Loopback(sock.Inet6, 4000))
	// Output:
	// #{addr => {127,0,0,1},family => inet,port => 4000}
	// #{addr => {0,0,0,0,0,0,0,1},family => inet6,flowinfo => 0,port => 4000,scope_id => 0}
}

// Options are {Level, Name} pairs with Go values.
func ExampleSocket_SetOpt() {
	s, _ := sock.Open(sock.Inet, sock.Stream, sock.TCP)
	defer s.Close()
	s.SetOpt(sock.OptReuseAddr, true)
	s.SetOpt(sock.OptLinger, sock.Linger{OnOff: true, Linger: 5})
	reuse, _ := s.GetOpt(sock.OptReuseAddr)
	linger, _ := s.GetOpt(sock.OptLinger)
	typ, _ := s.GetOpt(sock.OptType)
	rcvbuf, _ := s.GetOpt(sock.OptOTPRcvBuf)
	fmt.Println(reuse, linger, typ, rcvbuf)
	err := s.SetOpt(sock.OptReuseAddr, 1)
	fmt.Println(err)
	// Output:
	// true {true 5} stream 8192
	// socket: setopt: invalid {socket,reuseaddr} 1: want a bool
}
