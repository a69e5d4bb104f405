package framing_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/otpnet/otpnet/framing"
)

// Decode packet 2 packets from a buffer, as {packet, 2} does on a socket.
func ExampleDecoder_Decode() {
	d, err := framing.New(framing.Two)
	if err != nil {
		panic(err)
	}
	buf := []byte("\x00\x05hello\x00\x05world\x00\x09trunc")
	for {
		r, err := d.Decode(buf)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		if !r.Complete() {
			fmt.Printf("more: %d bytes in all, %d here\n", r.More, len(buf))
			return
		}
		fmt.Printf("packet %q\n", r.Packet)
		buf = r.Rest
	}
	// Output:
	// packet "hello"
	// packet "world"
	// more: 11 bytes in all, 7 here
}

// erlang:decode_packet(httph_bin, <<"content-length: 42\r\n\r\n">>, []).
func ExampleDecodePacket() {
	r, err := framing.DecodePacket(framing.HTTPHBin, []byte("content-length: 42\r\n\r\n"))
	if err != nil {
		panic(err)
	}
	h := r.HTTP.(framing.HTTPHeader)
	fmt.Println(h.Bit, h.Field, h.Field == framing.FieldContentLength, h.Name, h.Value)
	fmt.Printf("rest %q\n", r.Rest)
	// Output:
	// 38 Content-Length true content-length 42
	// rest "\r\n"
}

// A Decoder is also a bufio.SplitFunc.
func ExampleDecoder_Split() {
	d, err := framing.New(framing.Line, framing.LineDelimiter(';'))
	if err != nil {
		panic(err)
	}
	sc := bufio.NewScanner(strings.NewReader("one;two;three;"))
	sc.Split(d.Split)
	for sc.Scan() {
		fmt.Printf("%q\n", sc.Text())
	}
	// Output:
	// "one;"
	// "two;"
	// "three;"
}

// A Stream follows an HTTP connection from the request line through the
// headers, as a socket in {packet, http_bin} mode does.
func ExampleStream() {
	d, err := framing.New(framing.HTTPBin)
	if err != nil {
		panic(err)
	}
	s := framing.NewStream(d)
	buf := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n")
	for len(buf) > 0 {
		r, err := s.Decode(buf, 1460)
		if err != nil || !r.Complete() {
			break
		}
		switch p := r.HTTP.(type) {
		case framing.HTTPRequest:
			fmt.Println("request", p.Method, p.URI.Path, p.Version)
		case framing.HTTPHeader:
			fmt.Println("header", p.Field, p.Value)
		case framing.HTTPEOH:
			fmt.Println("end of headers")
		}
		buf = r.Rest
	}
	// Output:
	// request GET /index.html {1 1}
	// header Host example.com
	// end of headers
}

// gen_tcp:send with {packet, 1} would send a 300-byte payload with a wrong
// header; AppendPacket refuses.
func ExampleAppendPacket() {
	wire, err := framing.AppendPacket(nil, framing.Two, []byte("hi"))
	fmt.Printf("%q %v\n", wire, err)
	_, err = framing.AppendPacket(nil, framing.One, make([]byte, 300))
	fmt.Println(err)
	// Output:
	// "\x00\x02hi" <nil>
	// framing: 300-byte payload too long for packet type 1 (at most 255): emsgsize
}
