// Package framing is erlang:decode_packet/3 in Go: it finds the packets of
// a byte stream by the packet types of inet's {packet, Type} option, and
// encodes the length headers that sending adds.
//
// It is pure: functions over byte slices, no I/O. A socket runs it on its
// receive buffer (see Stream), and a plain bufio.Scanner can run it too (see
// Decoder.Split). Its behaviour is OTP 25's, held to a real Erlang by a
// differential test (erlang_test.go).
//
// # Decoding
//
// New checks the options once; Decode then does what decode_packet does,
// with one of three outcomes, as OTP's packet_get_length has them:
//
//	Erlang                         Go
//	{ok, Packet, Rest}             r.Complete(): r.Packet, r.Rest (sub-slices of buf, no copy)
//	{more, Length}                 !r.Complete(): r.More, the whole packet's length, header included
//	{more, undefined}              !r.Complete() and r.More == 0
//	{error, invalid}               errors.Is(err, ErrInvalid)
//	error:badarg (bad options)     *OptionError from New, errors.Is(err, ErrBadArg)
//
// For every type but the http ones (and SSL 2.0 hellos) Decode allocates
// nothing.
//
// # Packet types
//
//	Erlang         Go         a decoded packet (Result)
//	raw, 0         Raw        Packet: all of buf; packet_size is ignored
//	1              One        Packet: the body, 1-byte length header stripped
//	2              Two        Packet: the body, 2-byte length header stripped
//	4              Four       Packet: the body, 4-byte length header stripped
//	asn1           ASN1       Packet: one BER TLV, header included
//	sunrm          SunRM      Packet: one record fragment, 4-byte header included
//	cdr            CDR        Packet: one GIOP message, 12-byte header included
//	fcgi           FCGI       Packet: one record with its 8-byte header, without its padding
//	tpkt           TPKT       Packet: one TPKT packet, 4-byte header included
//	line           Line       Packet: one line, delimiter included, or a piece of line_length bytes
//	http           HTTP       HTTP: HTTPRequest, HTTPResponse or HTTPError; Packet: the raw line
//	httph          HTTPH      HTTP: HTTPHeader, HTTPEOH or HTTPError; Packet: the raw lines
//	http_bin       HTTPBin    as HTTP
//	httph_bin      HTTPHBin   as HTTPH
//	ssl_tls        SSLTLS     TLS: TLSRecord; Packet: the whole record
//
// The _bin variants decode to the same Go values as http and httph: Erlang
// chooses between strings (lists) and binaries, and a Go string is both. The
// types stay distinct so that a socket can report the option it was given.
//
// # Options
//
// PacketSize, LineLength and LineDelimiter are decode_packet's packet_size,
// line_length and line_delimiter, with OTP's rules: packet_size is checked
// before "more" is answered (a header announcing too long a body is invalid
// at once); for line and http it bounds the whole line; raw ignores it.
// line_length truncates lines (the rest of the line comes out next), and
// bounds http lines when packet_size is 0. line_delimiter is for line only.
//
// # Sockets
//
// A Stream decodes one connection's bytes as inet_drv decodes a socket's
// receive buffer, which differs from decode_packet in three ways: lines are
// cut at the buffer's size, not at line_length; a packet whose header does
// not fit the buffer (or packet_size, if larger) is emsgsize; and http and
// http_bin go on to the headers after the first line, and back after the
// blank one. A second differential test holds Stream to real gen_tcp
// sockets.
//
// # Encoding
//
// AppendHeader and AppendPacket write the 1, 2 or 4-byte length header that
// gen_tcp:send adds. Unlike OTP, which silently writes the low bytes of a
// length that does not fit, they return an error wrapping ErrMsgSize.
//
// # Where the inet manual and OTP 25 differ
//
// This package follows OTP 25's code: a line longer than line_length (or
// than a socket's buffer) comes out in pieces, where the manual says it is
// truncated; every length-prefixed type, not only 4, is limited to packets
// of 2^31-1 bytes with their header; packet_size bounds the whole line, not
// a body, for line and http; and fcgi packets come without their padding,
// where the manual says the header is not stripped (true: only the padding
// is).
package framing
