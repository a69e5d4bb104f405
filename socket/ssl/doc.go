// Package ssl is Erlang's ssl on otpnet's ports: a TLS socket is a
// socket.Socket whose port runs crypto/tls's record layer, so that it is
// a port as a TCP socket is, call for call and message for message.
//
//	ssl:listen(Port, Opts)                   ssl.Listen(self, port, opts...)
//	ssl:transport_accept(L, T)               l.TransportAccept(self, t)
//	ssl:handshake(S, T)                      s.Handshake(t)
//	{handshake, hello}, handshake_continue,  ssl.HandshakeHello(), s.Hello(),
//	    handshake_cancel                         s.HandshakeContinue(t, opts...), s.HandshakeCancel()
//	ssl:connect(Host, Port, Opts, T)         ssl.Connect(self, host, port, t, opts...)
//	ssl:send(S, Data), ssl:recv(S, Len, T)   s.Send(data...), s.Recv(len, t)
//	ssl:close(S), ssl:shutdown(S, How)       s.Close(), s.Shutdown(how)
//	ssl:setopts(S, Opts), getopts            s.SetOpts(socket opts...), s.GetOpts(names...)
//	ssl:controlling_process(S, Pid)          s.ControllingProcess(self, pid)
//	ssl:peername(S), ssl:sockname(S)         s.Peername(), s.Sockname()
//	ssl:peercert(S)                          s.PeerCert() (*x509.Certificate)
//	ssl:connection_information(S)            s.ConnectionInformation()
//	ssl:negotiated_protocol(S)               s.NegotiatedProtocol()
//	{ssl, S, Data}                           *ssl.SSL{Socket, Data} (Packet for http)
//	(the binary garbage collected)           m.Release(): Data goes back to the port, for a later packet
//	{ssl_closed, S}                          *ssl.Closed{Socket}
//	{ssl_error, S, Reason}                   *ssl.Error{Socket, Reason}
//	{ssl_passive, S}                         *ssl.Passive{Socket}
//	{tls_alert, {Desc, Text}}                *ssl.Alert{Description, ...}
//	{certfile, F}, {keyfile, F}, certs_keys  ssl.CertFile(f), ssl.KeyFile(f), ssl.Certificates(...)
//	{cacertfile, F}, {cacerts, Cs}           ssl.CACertFile(f), ssl.CACerts(pool)
//	{verify, verify_peer | verify_none}      ssl.Verify(ssl.VerifyPeer), ssl.Verify(ssl.VerifyNone)
//	{fail_if_no_peer_cert, true}             ssl.FailIfNoPeerCert(true)
//	{server_name_indication, N}, sni_hosts   ssl.ServerNameIndication(n), ssl.SNIHosts(map)
//	{versions, Vs}, {ciphers, Cs}            ssl.Versions(tls.VersionTLS13, ...), ssl.Ciphers(ids...)
//	alpn_advertised_protocols,               ssl.ALPN(protos...)
//	    alpn_preferred_protocols
//	{reuse_sessions, B}                      ssl.ReuseSessions(b)
//	gen_tcp and inet options                 ssl.SocketOptions(socket.Packet(...), socket.Active(...), ...)
//
// A server needs a certificate and its key: PEM files (CertFile,
// KeyFile) from a CA, or for a test server a self-signed pair made by
//
//	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
//	    -keyout key.pem -out cert.pem -days 365 -subj /CN=localhost \
//	    -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//
// which a client then trusts with CACertFile("cert.pem"); or made in Go
// with crypto/x509, as the package's example does (Certificates, CACerts).
//
// Each message is a socket.Message whose From is the socket underneath
// (Socket), so that s.Match, a Process's selective receive and a type
// switch on socket.Message take them as a TCP port's.
//
// # How it runs
//
// The handshake runs on the goroutine that calls Handshake or Connect,
// over the socket as a blocking net.Conn, for at most its timeout: one
// that fails or times out closes the socket and leaves nothing, no
// goroutine and no fd. Once it is done the port runs the record layer:
// the bytes the driver reads are decrypted on the poller, under the port's
// lock, and go through the same framing ({packet, raw | 1 | 2 | 4 | line
// | http ...}, packet_size), active modes and passive Recv as a TCP
// port's; Send encrypts under that lock too, and queues the records as a
// TCP port queues its bytes, so that send_timeout, the watermarks and
// delay_send weigh them. An established connection holds no goroutine
// when idle, and no buffer: what crypto/tls keeps for it is its state
// (keys, certificates). crypto/tls's own buffers of records read
// (tls.Conn's rawInput, input and hand) grow to the largest record
// read and are never shrunk, which crypto/tls offers no way to change;
// the port lends it a record buffer from a pool for each read and takes
// it back when the read is done; a partial record left (a peer that
// stopped in the middle of one) is kept in a buffer of its own size. It
// does so through three of tls.Conn's unexported fields, checked when
// the package starts, with a fingerprint of all of tls.Conn's fields (if
// a Go release changed them, idle connections keep their buffers, as
// crypto/tls's own do, and TestTLSFields fails). BenchmarkTLSIdle (1000
// connections) measured about 7.2 KB of the server's RSS (5.2 KB of
// heap) per idle connection after a 64-byte echo, and 8.0 KB (5.6 KB)
// after a 16 KiB and a 64 KiB one; without giving the buffers back 11.6
// KB (9.3 KB) and 36.7 KB (33.8 KB); crypto/tls's goroutine server 31.4
// KB (25.2 KB) and 60.9 KB (49.5 KB).
// A key update or an alert that crypto/tls answers while the port
// reads is queued before any later Send. Close sends close_notify after
// what Send queued; a peer's close_notify is Closed, after the packets
// read before it. The owner link, exit_on_close, monitors and
// controlling_process are the port's, unchanged.
//
// # Where it differs from OTP's ssl
//
//   - A client verifies the server by default (Verify(VerifyPeer)), as
//     OTP 26 and crypto/tls do: OTP 25's default is verify_none, with a
//     warning.
//   - The TLS versions are 1.2 and 1.3 by default, as OTP 25's; 1.0 and
//     1.1 are there if asked for (Versions). crypto/tls takes a range of
//     versions, not a list, and chooses TLS 1.3's cipher suites itself.
//   - Alerts are crypto/tls's: for a certificate it refuses it sends
//     bad_certificate where OTP sends unknown_ca or certificate_expired;
//     the *Alert this end gets names the reason as OTP does.
//   - Renegotiation (TLS 1.2) is refused, as crypto/tls refuses it: a
//     client's renegotiation, which OTP 25's server allows by default
//     ({client_renegotiation, true}), is answered with unexpected_message
//     and ends the connection, its owner getting an *Error whose Reason
//     is that *Alert (OTP's client answers {error, closed}); a server's
//     request (HelloRequest) is answered no_renegotiation, and there is no
//     ssl:renegotiate. TLS 1.3 has no renegotiation; its key updates
//     (ssl:update_keys) are answered.
//   - OTP's ssl runs a process per connection, which can be sent to; here
//     the port is the connection, and its owner gets its messages
//     directly.
//   - Options, as in OTP 25: SetOpts and GetOpts of a listening socket
//     set and answer the active mode and packet options its connections
//     take after their handshake (the socket underneath stays passive and
//     raw), and the others act on that socket; a connection takes the
//     listener's options as they are when it is accepted, as OTP's
//     transport_accept copies them. Before its handshake an accepted
//     socket answers ErrNotsupOnTransportAcceptSocket. OTP answers a
//     listener's getopts in its own order, here in the order asked for;
//     the socket underneath (Socket) can still be set directly, which
//     OTP has no way to do, and its active or packet options set before
//     the handshake break it.
//   - OTP's connection_information gives the cipher suite as a map of its
//     parts; here it is crypto/tls's name.
//   - ssl:getstat counts the bytes on the wire, records and all, here as
//     there (Socket().GetStat()).
package ssl
