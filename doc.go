// Package otpnet is the map of otpnet, Erlang/OTP's socket model in Go:
// every TCP socket is a port owned by a protoactor-go actor, its data
// comes to the owner's mailbox as tcp, tcp_closed, tcp_error and
// tcp_passive messages under {active, true | false | once | N}, and
// servers are supervised acceptor pools. This package has no code; the
// packages below are what a program imports.
//
//	go get github.com/otpnet/otpnet
//
// # Which to import first
//
// A server: [github.com/otpnet/otpnet/supervisor/ranch], whose Handler is
// Thousand Island's handler behaviour (callbacks for a connection's
// events, with {active, once} re-armed for you) and whose StartListener
// is Ranch's supervised acceptor pool; with
// [github.com/otpnet/otpnet/actor] for the actor system (NewSystem) and
// protoactor's names (PID, Context, Props, ...: aliases, so one package
// named actor is enough), and [github.com/otpnet/otpnet/socket] and
// [github.com/otpnet/otpnet/framing] for the socket options. README.md's
// first program is such a server, and examples/upcase runs it.
//
// A client, or a goroutine that owns sockets: socket (Connect, Listen,
// Accept, Send, Recv, SetOpts, ...) with an actor.Process, a mailbox with
// Erlang's selective receive, as the calling process.
//
// # The packages
//
//	supervisor/ranch  Ranch's acceptor pools and Thousand Island's handler
//	                  behaviour: Listener, Handler, Conn, Action, Events
//	supervisor        OTP's supervisors: strategies, child specs,
//	                  restart intensity, shutdown, reports
//	socket            gen_tcp and inet's port functions: ports, active
//	                  modes, options, messages, the send path, and the
//	                  net.Conn and net.Listener adapters
//	socket/ssl        Erlang's ssl: TLS ports, crypto/tls's record layer
//	                  run in the port, with ssl, ssl_closed, ssl_error and
//	                  ssl_passive messages
//	socket/sock       Erlang's low-level socket module: blocking calls,
//	                  TCP and UDP, IPv4 and IPv6
//	actor             the glue to protoactor-go: a quiet actor system,
//	                  owner mailboxes, monitors and links, Process,
//	                  Spawn, and protoactor's common names
//	framing           erlang:decode_packet/3 and the packet types, pure
//	                  functions with no I/O
//	inet              inet less the ports: reasons (errors) and their
//	                  texts, addresses, look-ups, getifaddrs
//	inet/proxyproto   the PROXY protocol's header, versions 1 and 2
//	driver            the epoll driver, what inet_drv is to the BEAM:
//	                  pollers, handles, reads, queued writes
//	metrics           the ports' and listeners' metrics through
//	                  OpenTelemetry's metric API, and in Prometheus's
//	                  text format
//	metrics/debugpage the live page: listeners, ports, supervision
//	                  trees, metrics
//	cmd/echo          the echo server and its client
//	cmd/chat          a chat server run as a protoactor cluster:
//	                  handlers on every node, rooms as grains
//	examples/upcase   README.md's program: a Handler under StartListener
//
// Each layer imports only those below it: driver, framing and inet import
// nothing of otpnet's; socket/sock is built on driver and inet, actor on
// protoactor and inet, socket on driver, framing, inet and actor,
// socket/ssl on socket, supervisor on actor, supervisor/ranch on socket,
// socket/ssl and supervisor, and metrics (with metrics/debugpage) on
// socket and supervisor/ranch.
//
// # Erlang to Go
//
//	gen_tcp, inet:setopts/getopts/peername/...  socket
//	prim_inet:async_accept, async_recv          socket (AsyncAccept, AsyncRecv)
//	{tcp, S, Data}, {tcp_closed, S}, ...        socket (TCP, TCPClosed, ...)
//	ssl, {ssl, S, Data}, {ssl_closed, S}, ...   socket/ssl (SSL, Closed, ...)
//	ranch_ssl                                   supervisor/ranch (ListenerOptions.TLS)
//	socket                                      socket/sock
//	erlang:decode_packet/3, {packet, Type}      framing
//	inet:parse_address, ntoa, getaddr,          inet
//	    format_error, getifaddrs, the reasons
//	supervisor                                  supervisor
//	ranch, ranch_protocol                       supervisor/ranch
//	ranch_proxy_header                          inet/proxyproto
//	ThousandIsland.Handler                      supervisor/ranch (Handler)
//	self(), receive ... after, spawn/1,         actor (Process, Spawn)
//	    monitor/2
//	a gen_server that owns sockets              an actor spawned with
//	                                                actor.WithOwnerMailbox()
//	inet_drv                                    driver
//	inet:i(), inet:info/1                       socket (I, Ports, Info)
//	ranch's alarms, Thousand Island telemetry   supervisor/ranch (ConnectionAlarm,
//	                                                Events)
//	observer                                    metrics/debugpage
//
// README.md has the table of calls, Erlang's and Go's side by side, and
// docs/DESIGN.md the pictures of the layers and of a packet's way from
// epoll to a mailbox.
package otpnet
