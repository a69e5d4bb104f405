// Package ranch is Ranch's acceptor pools on otpnet: a Listener is a
// listening socket, a pool of acceptors that accept its connections, and
// connection supervisors under which a handler, started by the listener's
// Protocol, serves each connection as the owner of its socket. The pool is
// a supervision tree of package supervisor, as Ranch's is one of OTP
// supervisors (see Listener), and it can be put under a supervisor of
// yours.
//
// A server is most simply a Handler, Thousand Island's handler behaviour:
// callbacks for a connection's events, run by HandlerProtocol in the actor
// that owns the socket, which re-arms {active, once} (or the mode the
// handler chose) after each packet:
//
//	type echo struct{ ranch.BaseHandler }
//
//	func (echo) HandleData(c *ranch.Conn, data []byte) ranch.Action {
//		c.Send(data)
//		return ranch.Continue
//	}
//
//	l, err := ranch.StartListener(system.Root,
//		ranch.HandlerProtocol(func() ranch.Handler { return echo{} }),
//		ranch.ListenerOptions{Addr: ":4040"})
//
// A handler that needs more writes its own actor (ActorProtocol), Ranch's
// ranch_protocol: it then owns the socket's messages, and re-arms its
// active mode itself.
//
// # Thousand Island to Go
//
//	use ThousandIsland.Handler                    a Handler, embedding ranch.BaseHandler
//	ThousandIsland.start_link(handler_module:     ranch.StartListener(system.Root,
//	    Echo, handler_options: opts)                  ranch.HandlerProtocol(func() ranch.Handler { return &Echo{...} }), ...)
//	the handler's state                           the Handler value (a pointer to your struct), one per connection
//	handle_connection(socket, state)              HandleConnection(c *Conn) Action
//	handle_data(data, socket, state)              HandleData(c *Conn, data []byte) Action
//	handle_info(msg, {socket, state})             HandleInfo(c *Conn, msg any) Action
//	handle_timeout(socket, state)                 HandleTimeout(c *Conn) Action (BaseHandler's: Close)
//	handle_close(socket, state)                   HandleClose(c *Conn)
//	handle_error(reason, socket, state)           HandleError(c *Conn, err error)
//	handle_shutdown(socket, state)                HandleShutdown(c *Conn)
//	{:continue, state}                            ranch.Continue
//	{:continue, state, timeout}                   ranch.Continue.Timeout(d)
//	{:continue, state, {:persistent, timeout}}    ranch.Continue.IdleTimeout(d)
//	read_timeout: 60_000                          no default: Continue.IdleTimeout(d) from HandleConnection
//	{:close, state}                               ranch.Close
//	{:error, reason, state}                       ranch.Fail(err): HandleError follows, even for
//	                                                  socket.ErrTimeout, where Thousand Island calls
//	                                                  handle_timeout (HandleTimeout is the idle timeout's only)
//	ThousandIsland.Socket.send(socket, data)      c.Send(data)
//	ThousandIsland.Socket.recv(socket, 0, t)      c.Socket().Recv(0, t), after Continue.Active(socket.False)
//	ThousandIsland.Socket.setopts/getopts         c.Socket().SetOpts(...), GetOpts(...); the active mode: Action.Active
//	ThousandIsland.Socket.peername/sockname       c.Socket().Peername(), Sockname()
//	self() in a handler                           c.Context().Self()
//	telemetry's [:connection, ...] events         ListenerOptions.Events (ranch.SlogEvents logs them)
//
// Thousand Island always re-arms {active, once}; a Handler may switch to
// {active, N}, {active, true} or passive with Action.Active, and is
// re-armed in that mode. HandleTimeout returns an Action, so a handler may
// go on after a timeout; after Close (BaseHandler's) HandleClose follows,
// as it does every Close. A callback that panics is logged with its stack
// and the connection's addresses, and ends in HandleError (see
// HandlerProtocol), as Thousand Island's terminate/2 calls handle_error.
//
// # Ranch to Go
//
//	ranch:start_listener(Ref, ranch_tcp,          l, err := ranch.StartListener(system.Root, protocol,
//	    TransOpts, Protocol, ProtoOpts)               ranch.ListenerOptions{Addr: ..., SocketOptions: ...})
//	#{num_acceptors => 10, max_connections =>     ranch.ListenerOptions{NumAcceptors: 10,
//	    1024, num_conns_sups => N}                    MaxConnections: 1024, NumConnsSups: n}
//	max_connections => infinity                   ranch.Unlimited
//	handshake_timeout, shutdown                   ListenerOptions.HandshakeTimeout, ListenerOptions.Shutdown
//	num_listen_sockets => N                       ListenerOptions.NumListenSockets (SO_REUSEPORT set for n > 1)
//	ranch:recv_proxy_header(Ref, Timeout)         ListenerOptions.ProxyHeader: read by the acceptor before the hand-off;
//	                                                  c.Proxy(), c.Peername() in a Handler, ProxyHeader(ctx) in a Start
//	the ranch_protocol behaviour, start_link/3    ranch.Protocol; ranch.ActorProtocol(newActor), ranch.ProtocolFunc
//	a protocol that loops on {tcp, S, Data}       ranch.HandlerProtocol(newHandler): a Handler
//	    and re-arms {active, once}
//	ranch:handshake(Ref)                          nothing: the socket is handed over once Protocol.Start returns
//	                                                  (a Handler's HandleConnection runs once it is)
//	ranch:stop_listener(Ref)                      l.Stop()
//	ranch:suspend_listener(Ref), resume_listener  l.Suspend(), l.Resume()
//	ranch:get_status(Ref)                         l.Status()
//	ranch:get_port(Ref), get_addr(Ref)            l.Port(), l.Addr()
//	ranch:set_max_connections(Ref, N)             l.SetMaxConnections(n)
//	ranch:remove_connection(Ref)                  l.RemoveConnection(ctx.Self()); in a Handler,
//	                                                  c.Listener().RemoveConnection(c.Context().Self())
//	ranch:procs(Ref, connections | acceptors)     l.Connections(), l.Acceptors()
//	ranch:info(Ref)                               l.Info()
//	suspend, wait_for_connections(Ref, '==', 0),  l.Drain(timeout)
//	    stop_listener
//	Ref in logs and supervisor reports            the listener's bound address: "listener 127.0.0.1:4040",
//	                                                  its supervisors "listener 127.0.0.1:4040/conns/conns-1", ...
//	Thousand Island's telemetry events            ListenerOptions.Events (ranch.Events, ranch.NopEvents, ranch.SlogEvents)
//
// Bad options are a *supervisor.InvalidError naming the field, and the
// errors of a listener's calls are *supervisor.Error values whose Op names
// the call (start_listener, stop_listener, ...).
package ranch
