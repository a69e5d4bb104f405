// Package ranch is Ranch's acceptor pools on otpnet: a Listener is a
// listening socket, a pool of acceptors that accept its connections, and
// connection supervisors under which a handler, started by the listener's
// Protocol, serves each connection as the owner of its socket. The pool is
// a supervision tree of package supervisor, as Ranch's is one of OTP
// supervisors (see Listener), and it can be put under a supervisor of
// yours.
//
// # Erlang to Go
//
//	ranch:start_listener(Ref, ranch_tcp,          l, err := ranch.StartListener(system.Root, protocol,
//	    TransOpts, Protocol, ProtoOpts)               ranch.ListenerOptions{Addr: ..., SocketOptions: ...})
//	#{num_acceptors => 10, max_connections =>     ranch.ListenerOptions{NumAcceptors: 10,
//	    1024, num_conns_sups => N}                    MaxConnections: 1024, NumConnsSups: n}
//	max_connections => infinity                   ranch.Unlimited
//	handshake_timeout, shutdown                   ListenerOptions.HandshakeTimeout, ListenerOptions.Shutdown
//	the ranch_protocol behaviour, start_link/3    ranch.Protocol; ranch.ActorProtocol(newActor), ranch.ProtocolFunc
//	ranch:handshake(Ref)                          nothing: the socket is handed over once Protocol.Start returns
//	ranch:stop_listener(Ref)                      l.Stop()
//	ranch:suspend_listener(Ref), resume_listener  l.Suspend(), l.Resume()
//	ranch:get_status(Ref)                         l.Status()
//	ranch:get_port(Ref), get_addr(Ref)            l.Port(), l.Addr()
//	ranch:set_max_connections(Ref, N)             l.SetMaxConnections(n)
//	ranch:remove_connection(Ref)                  l.RemoveConnection(ctx.Self())
//	ranch:procs(Ref, connections | acceptors)     l.Connections(), l.Acceptors()
//	ranch:info(Ref)                               l.Info()
//	suspend, wait_for_connections(Ref, '==', 0),  l.Drain(timeout)
//	    stop_listener
//	Thousand Island's telemetry events            ListenerOptions.Events (ranch.Events, ranch.NopEvents)
//
// Bad options are a *supervisor.InvalidError naming the field, and the
// errors of a listener's calls are *supervisor.Error values whose Op names
// the call (start_listener, stop_listener, ...).
package ranch
