// Package socket is otpnet's gen_tcp and inet: each socket is a port owned
// by a process (a protoactor actor, or an otpnet actor.Process for plain
// goroutines), served by the driver's pollers. When the socket is active
// its owner's mailbox receives *TCP, *TCPClosed, *TCPError, *TCPPassive
// and, for the http packet types, *HTTP messages (each a Message, whose
// From is the socket: s.Match selects them), with {active, true |
// false | once | N} flow control; when it is passive the owner calls Recv,
// and the port reads nothing meanwhile, so TCP's window holds the peer
// back.
//
// # Erlang to Go
//
//	gen_tcp:listen(Port, Opts)              socket.Listen(self, port, opts...)
//	gen_tcp:accept(L, Timeout)              l.Accept(self, timeout)
//	gen_tcp:connect(Host, Port, Opts, T)    socket.Connect(self, host, port, t, opts...)
//	gen_tcp:send(S, IoData)                 s.Send(b1, b2, ...)
//	gen_tcp:recv(S, Length, Timeout)        s.Recv(length, timeout); s.RecvHTTP(timeout)
//	  ... by a process not the owner        s.RecvAs(self, length, timeout)
//	prim_inet:async_accept(L, Timeout)      ref, err := l.AsyncAccept(self, timeout)
//	prim_inet:async_recv(S, Length, T)      ref, err := s.AsyncRecv(self, length, t)
//	{inet_async, L, Ref, Result}            *socket.AcceptResult{Listener, Ref, Socket, Err}
//	{inet_async, S, Ref, Result}            *socket.RecvResult{Socket, Ref, Data, Packet, Err}
//	gen_tcp:close(S)                        s.Close()
//	gen_tcp:shutdown(S, write)              s.Shutdown(socket.Write) (socket.Read, socket.ReadWrite)
//	gen_tcp:controlling_process(S, Pid)     s.ControllingProcess(self, pid)
//	inet:setopts(S, [{active, once}])       s.SetOpts(socket.Active(socket.Once))
//	inet:setopts(S, [{active, 5}])          s.SetOpts(socket.Active(socket.N(5)))
//	inet6, {linger, {true, 5}}              socket.Family(inet.Inet6), socket.Linger(true, 5)
//	inet:getopts(S, [active, packet])       s.GetOpts(socket.OptActive, socket.OptPacket)
//	inet:getopts(S, [active])               o, err := s.GetOpt(socket.OptActive); o.Mode(), o.Int(), ...
//	{active, N} read back                   n, ok := o.Mode().Count(); o.Mode() == socket.Once
//	inet:getopts(S, [{raw, P, O, Size}])    s.GetRaw(p, o, size)
//	inet:getstat(S)                         s.GetStat()
//	inet:info(S)                            s.Info()
//	inet:peername(S), sockname(S), port(S)  s.Peername(), s.Sockname(), s.Port()
//	{ifaddr, {local, Path}}                 socket.IfAddrLocal(path)
//	inet:sockname(S) = {ok, {local, Path}}  s.SocknameLocal(), s.PeernameLocal()
//	gen_tcp:fdopen(Fd, Opts)                socket.Connect(self, "", 0, t, socket.Fd(fd), opts...)
//	{tcp, S, Data}                          *socket.TCP{Socket: s, Data: data}
//	(the binary garbage collected)          m.Release(): Data goes back to the port, for a later packet
//	{tcp_closed, S}                         *socket.TCPClosed{Socket: s}
//	{tcp_error, S, Reason}                  *socket.TCPError{Socket: s, Reason: err}
//	{tcp_passive, S}                        *socket.TCPPassive{Socket: s}
//	{http, S, HttpPacket}                   *socket.HTTP{Socket: s, Packet: pkt}
//	any of these (or a 'DOWN', an inet_async) from S
//	                                        socket.Message, m.From() == s; p.Receive(s.Match, t)
//	inet:monitor(S)                         ref, err := s.Monitor(self)
//	inet:cancel_monitor(MRef)               socket.CancelMonitor(ref)
//	{'DOWN', MRef, port, S, Info}           *socket.Down{Ref: ref, Socket: s, Reason: err}
//	{error, closed}                         errors.Is(err, socket.ErrClosed)
//	{error, econnreset}                     errors.Is(err, inet.ECONNRESET); inet.Reason(err) == "econnreset"
//	{error, {timeout, Rest}}                *inet.SendTimeoutError{Rest: rest}
//	infinity                                socket.Infinity
//	accept, connect, recv, send until a Go context is done:
//	                                        l.AcceptContext(ctx, self), socket.ConnectContext(ctx, self, host, port, opts...),
//	                                        s.RecvContext(ctx, length), s.SendContext(ctx, b1, b2, ...)
//	a passive raw socket as a net.Conn      conn, err := socket.NewConn(s)
//	  ... a listening one as a net.Listener ln, err := socket.NewListener(l)
//
// "self" is the calling process: an actor.Context, or anything with
// Self() and ActorSystem() (see Caller).
//
// # What differs from Erlang, and why
//
//   - Data is always []byte: Go has no charlists, so {mode, list} is
//     refused and {header, N} changes nothing but GetOpts.
//   - {deliver, port} does not apply: messages are Go values, there is no
//     {Port, {data, Data}} form.
//   - SetOpts checks the whole list first and applies all of it or
//     nothing; OTP 25 applies a list last to first and may stop half way.
//   - A 1 or 2 byte packet header that cannot hold the length is emsgsize
//     where OTP silently truncates it.
//   - Close waits for queued data while the queue shrinks, and gives up
//     when it has not shrunk for five seconds (or at the linger time);
//     OTP 25 gives up after three minutes, and its port then goes on
//     sending for as long as the connection lives. Meanwhile the port is
//     open, as OTP's: Recv, the names, the stats and the options work,
//     and Send waits; but it sends its owner no more messages, where
//     OTP's goes on delivering to an active owner, and Shutdown answers
//     closed.
//   - gen_tcp:fdopen(Fd, []) is passive; Connect with Fd, which stands for
//     it, keeps connect's default, {active, true}.
//   - A goroutine cannot be killed: when the process it calls for stops,
//     its blocked Accept, RecvAs or Connect returns closed at once (the
//     port monitors the caller, as inet_drv monitors an accepting
//     process), and an AsyncAccept or AsyncRecv ends with no result; the
//     next connection or packet goes to the next caller. Recv and Send
//     name no caller: they end with the socket, which closes with its
//     owner. OTP 25 keeps a killed process's recv pending in the port, so
//     that the next packet is lost; otpnet drops it.
//   - Whoever holds a socket monitor's reference may cancel it
//     (CancelMonitor), and its Down for a socket whose owner stopped says
//     normal (a nil Reason), otpnet's processes having no exit reason. A
//     monitor made after the port exited gets noproc on both backends,
//     where OTP 25's socket backend says nosock.
//
// # Go's interfaces
//
// NewConn makes a connected socket a net.Conn, and NewListener a
// listening one a net.Listener, for bufio, crypto/tls, net/http and
// whatever else takes them: see Conn and Listener. The blocking calls
// have context forms beside their timeout forms: AcceptContext,
// ConnectContext, RecvContext and SendContext, whose context ends them
// as their timeout would (see AcceptContext).
//
// Calls return their errors as an *inet.Error naming the call, with one of
// package inet's reasons. The few names a first program needs are here as well, as the
// same values as inet's: ErrClosed, ErrTimeout, ErrNotOwner, ErrBadArg and
// Infinity. The rest of Erlang's inet module that is not about ports
// (Reason, FormatError, ParseAddress, Ntoa, GetAddr, GetHostByName,
// GetIfAddrs, the Family values, ...) is package inet.
package socket
