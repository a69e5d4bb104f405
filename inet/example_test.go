package inet_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/otpnet/otpnet/inet"
)

// ParseAddress reads an address as inet:parse_address/1 does, with IPv4's
// short and hexadecimal forms and a link-local scope; Ntoa writes it back
// as inet:ntoa/1. fe80::1%05 is Erlang's {65152,5,0,0,0,0,0,1}: the scope
// lives in the second word, as netip's fe80:5::1.
func ExampleParseAddress() {
	for _, s := range []string{"127.1", "0x7f.0.0.1", "::ffff:10.0.0.1", "fe80::1%05", "1.2.3."} {
		a, err := inet.ParseAddress(s)
		if err != nil {
			fmt.Println(s, "->", err)
			continue
		}
		fmt.Println(s, "->", a, inet.Ntoa(a))
	}
	// Output:
	// 127.1 -> 127.0.0.1 127.0.0.1
	// 0x7f.0.0.1 -> 127.0.0.1 127.0.0.1
	// ::ffff:10.0.0.1 -> ::ffff:10.0.0.1 ::ffff:10.0.0.1
	// fe80::1%05 -> fe80:5::1 fe80::1%05
	// 1.2.3. -> socket: parse_address: einval
}

// An error of a socket call prints as Erlang prints its reason; Reason
// names it, errors.Is matches the kernel's errno, and FormatError is
// inet:format_error/1.
func ExampleReason() {
	err := error(&inet.Error{Op: "recv", Err: syscall.ECONNRESET})
	fmt.Println(err)
	fmt.Println(inet.Reason(err), errors.Is(err, syscall.ECONNRESET))
	fmt.Println(inet.FormatError(err))
	// Output:
	// socket: recv: econnreset
	// econnreset true
	// connection reset by peer
}
