// Package sock is Erlang's low-level socket module, OTP 25's socket: TCP
// and UDP sockets over IPv4 and IPv6 that are not ports. A socket has no
// owner, no active mode and no messages; each call blocks the calling
// goroutine until it is done, its timeout passes, or the socket is closed,
// as a socket call blocks the calling Erlang process. The sockets live in
// the driver pool that package socket uses too (driver.Default), and no
// goroutine serves them between calls.
//
// # Erlang to Go
//
//	socket:open(inet, stream, tcp)            sock.Open(sock.Inet, sock.Stream, sock.TCP)
//	socket:open(inet6, dgram, udp)            sock.Open(sock.Inet6, sock.Dgram, sock.UDP)
//	socket:bind(S, any)                       s.Bind(sock.Any(sock.Inet, 0))
//	socket:bind(S, loopback)                  s.Bind(sock.Loopback(sock.Inet, 0))
//	socket:bind(S, #{family => inet,          s.Bind(sock.Addr{Family: sock.Inet,
//	    addr => {10,0,0,1}, port => 4000})        Addr: netip.MustParseAddr("10.0.0.1"), Port: 4000})
//	socket:listen(S), listen(S, Backlog)      s.Listen(sock.DefaultBacklog), s.Listen(backlog)
//	socket:accept(S), accept(S, Timeout)      s.Accept(sock.Infinity), s.Accept(timeout)
//	socket:connect(S, Addr), connect/3        s.Connect(addr, sock.Infinity), s.Connect(addr, timeout)
//	socket:recv(S), recv(S, Length)           s.Recv(0, sock.Infinity), s.Recv(length, sock.Infinity)
//	socket:recv(S, Length, Timeout)           s.Recv(length, timeout)
//	socket:recvfrom(S, Length, Timeout)       from, data, err := s.Recvfrom(length, timeout)
//	socket:send(S, Data), send/3              s.Send(data, sock.Infinity), s.Send(data, timeout)
//	socket:sendto(S, Data, Dest), sendto/4    s.Sendto(data, dest, sock.Infinity), s.Sendto(data, dest, timeout)
//	socket:setopt(S, {socket, reuseaddr}, true)
//	                                          s.SetOpt(sock.OptReuseAddr, true)
//	socket:setopt(S, {socket, linger}, #{onoff => true, linger => 5})
//	                                          s.SetOpt(sock.OptLinger, sock.Linger{OnOff: true, Linger: 5})
//	socket:getopt(S, {socket, type})          s.GetOpt(sock.OptType)      // sock.Stream
//	socket:getopt(S, {otp, rcvbuf})           s.GetOpt(sock.OptOTPRcvBuf) // 8192
//	socket:shutdown(S, read_write)            s.Shutdown(sock.ReadWrite)
//	socket:sockname(S), peername(S)           s.Sockname(), s.Peername()
//	socket:close(S)                           s.Close()
//	infinity                                  sock.Infinity (= inet.Infinity)
//	{error, closed}, {error, timeout}         errors.Is(err, inet.ErrClosed), errors.Is(err, inet.ErrTimeout)
//	{error, econnrefused}                     errors.Is(err, unix.ECONNREFUSED); inet.Reason(err) == "econnrefused"
//	recv's {error, {timeout, Data}}           data, err: len(data) > 0 and errors.Is(err, inet.ErrTimeout)
//	recv's {error, {closed, Data}}            data, err: len(data) > 0 and errors.Is(err, inet.ErrClosed)
//	send's {error, {timeout, Rest}}           a *inet.SendTimeoutError{Rest: rest} in err
//	{error, {invalid, What}}, badarg          an *sock.ArgError in err; errors.Is(err, inet.ErrBadArg)
//
// Every error is an *inet.Error naming the call, and prints its reason
// as Erlang does: "socket: recv: closed", "socket: connect: econnrefused".
// inet.Reason returns the atom.
//
// # What differs from OTP 25
//
//   - Arguments that Go's types do not already rule out (an unknown
//     Domain, a negative length or timeout, a SetOpt value of the wrong
//     type or range) are an *ArgError, reason badarg, where OTP returns
//     {error, {invalid, ...}} or raises badarg.
//   - Only domains inet and inet6, types stream and dgram and protocols
//     tcp and udp. Not here: open/1,2,4, local sockets, the nowait and
//     select handles, recvmsg and sendmsg, info, monitor, cancel.
//   - Data is a []byte, not iodata: join the parts before sending.
//   - {otp, rcvbuf} takes an int from 1, not OTP's {N, Size} or default.
//   - An Addr has no flowinfo (it prints 0); scope_id is the zone of its
//     netip.Addr.
//   - A Send on a datagram socket whose timeout passes is timeout, with no
//     rest: a datagram goes whole or not at all.
//
// # What differs from the specification
//
// Where the specification of the socket module and OTP 25 disagree, this
// package follows OTP 25, held to a real Erlang by TestReasonsMatchErlang:
//
//   - The buffer option is {otp, rcvbuf} (OptOTPRcvBuf), not {otp,
//     recvbuf}: OTP 25 refuses the latter with {error, {invalid,
//     {socket_option, {otp, recvbuf}}}}, and so does SetOpt.
//   - On UDP, Length 0 does not return the whole datagram but at most
//     {otp, rcvbuf} bytes, 8192 by default: set OptOTPRcvBuf to 65535 for
//     whole datagrams.
//   - On TCP, Length 0 does not return at once when nothing is there: it
//     waits for data until the timeout, then returns what is there
//     without waiting for more.
//   - On TCP, Length N that times out, or meets the end of the stream,
//     returns the bytes that came with the error.
//   - The specification has inet only; inet6 works too, as in OTP.
package sock
