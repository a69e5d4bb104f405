package inet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/otpnet/otpnet/internal/unix"
)

// TestErrorIs checks that errors.Is sees each reason through an *Error,
// and through a further fmt.Errorf wrapping, and nothing else.
func TestErrorIs(t *testing.T) {
	reasons := []error{
		ErrClosed, ErrTimeout, ErrNotOwner, ErrBadArg, ErrNxdomain, ErrSystemLimit,
		syscall.ECONNRESET, syscall.EINVAL, unix.EMFILE, syscall.EAGAIN,
	}
	for _, r := range reasons {
		for _, err := range []error{
			&Error{Op: "recv", Err: r},
			fmt.Errorf("serving: %w", &Error{Op: "recv", Err: r}),
		} {
			for _, target := range reasons {
				if got, want := errors.Is(err, target), target == r; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, target, got, want)
				}
			}
		}
	}
	// Aliases are one errno: what the kernel calls EWOULDBLOCK is EAGAIN.
	if !errors.Is(&Error{Op: "send", Err: syscall.EWOULDBLOCK}, syscall.EAGAIN) {
		t.Error("EWOULDBLOCK is not EAGAIN")
	}
	var errno syscall.Errno
	if err := error(&Error{Op: "connect", Err: syscall.ECONNREFUSED}); !errors.As(err, &errno) || errno != syscall.ECONNREFUSED {
		t.Errorf("errors.As(%v, *syscall.Errno) = %v", err, errno)
	}
}

// TestPOSIXReasons checks that each POSIX constant is the kernel's errno,
// so that errors.Is matches what the system calls return, and that Reason
// gives its Erlang atom.
func TestPOSIXReasons(t *testing.T) {
	tests := []struct {
		reason syscall.Errno
		kernel syscall.Errno
		atom   string
	}{
		{EADDRINUSE, unix.EADDRINUSE, "eaddrinuse"},
		{EADDRNOTAVAIL, unix.EADDRNOTAVAIL, "eaddrnotavail"},
		{EAFNOSUPPORT, unix.EAFNOSUPPORT, "eafnosupport"},
		{EAGAIN, unix.EAGAIN, "eagain"},
		{EALREADY, unix.EALREADY, "ealready"},
		{ECONNABORTED, unix.ECONNABORTED, "econnaborted"},
		{ECONNREFUSED, unix.ECONNREFUSED, "econnrefused"},
		{ECONNRESET, unix.ECONNRESET, "econnreset"},
		{EHOSTUNREACH, unix.EHOSTUNREACH, "ehostunreach"},
		{EINPROGRESS, unix.EINPROGRESS, "einprogress"},
		{EINVAL, unix.EINVAL, "einval"},
		{EISCONN, unix.EISCONN, "eisconn"},
		{EMFILE, unix.EMFILE, "emfile"},
		{EMSGSIZE, unix.EMSGSIZE, "emsgsize"},
		{ENETUNREACH, unix.ENETUNREACH, "enetunreach"},
		{ENFILE, unix.ENFILE, "enfile"},
		{ENOBUFS, unix.ENOBUFS, "enobufs"},
		{ENOTCONN, unix.ENOTCONN, "enotconn"},
		{ENOTSOCK, unix.ENOTSOCK, "enotsock"},
		{ENOTSUP, unix.EOPNOTSUPP, "enotsup"}, // one errno on Linux
		{EPIPE, unix.EPIPE, "epipe"},
		{ETIMEDOUT, unix.ETIMEDOUT, "etimedout"},
		{EACCES, unix.EACCES, "eacces"},
		{EPERM, unix.EPERM, "eperm"},
	}
	for _, tt := range tests {
		err := error(&Error{Op: "connect", Err: tt.kernel})
		if !errors.Is(err, tt.reason) {
			t.Errorf("errors.Is(%v, %d) = false", err, tt.reason)
		}
		if got := Reason(tt.reason); got != tt.atom {
			t.Errorf("Reason(%d) = %q, want %q", tt.reason, got, tt.atom)
		}
		if got, want := Reason(err), tt.atom; got != want {
			t.Errorf("Reason(%v) = %q, want %q", err, got, want)
		}
	}
}

func TestSendTimeoutError(t *testing.T) {
	rest := []byte("unsent")
	err := error(&Error{Op: "send", Err: &SendTimeoutError{Rest: rest}})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("errors.Is(%v, ErrTimeout) = false", err)
	}
	if errors.Is(err, ErrClosed) {
		t.Errorf("errors.Is(%v, ErrClosed) = true", err)
	}
	var ste *SendTimeoutError
	if !errors.As(err, &ste) || string(ste.Rest) != "unsent" {
		t.Fatalf("errors.As(%v, *SendTimeoutError) = %v", err, ste)
	}
	if got, want := Reason(err), "timeout"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
	if got, want := err.Error(), "socket: send: timeout: 6 bytes not sent"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrClosed, "closed"},
		{ErrTimeout, "timeout"},
		{ErrNotOwner, "not_owner"},
		{ErrBadArg, "badarg"},
		{ErrNxdomain, "nxdomain"},
		{ErrSystemLimit, "system_limit"},
		{&SendTimeoutError{}, "timeout"},
		{&Error{Op: "recv", Err: ErrClosed}, "closed"},
		{fmt.Errorf("x: %w", &Error{Op: "accept", Err: ErrSystemLimit}), "system_limit"},
		{syscall.ECONNRESET, "econnreset"},
		{syscall.EINVAL, "einval"},
		{syscall.EMFILE, "emfile"},
		{syscall.ETIMEDOUT, "etimedout"},
		{syscall.EPIPE, "epipe"},
		{syscall.EADDRINUSE, "eaddrinuse"},
		{syscall.ENOTCONN, "enotconn"},
		{syscall.EHOSTUNREACH, "ehostunreach"},
		{syscall.EAFNOSUPPORT, "eafnosupport"},
		{syscall.EWOULDBLOCK, "eagain"},  // = EAGAIN on Linux
		{syscall.EOPNOTSUPP, "enotsup"},  // = ENOTSUP: the emulator keeps ENOTSUP
		{syscall.ECANCELED, "unknown"},   // not in the emulator's table
		{syscall.Errno(0), "unknown"},    // no ESUCCESS on Linux
		{syscall.Errno(4095), "unknown"}, // no such errno
		{&os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}, "econnrefused"},
		{&net.OpError{Op: "read", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, "econnreset"},
		{io.EOF, "closed"},
		{net.ErrClosed, "closed"},
		{os.ErrDeadlineExceeded, "timeout"},
		{context.DeadlineExceeded, "timeout"},
		{context.Canceled, "unknown"},
		{errors.New("closed"), "unknown"}, // another package's error, even with that text
		{&Error{Op: "handshake", Err: namedReason{}}, "unknown_ca"},
	}
	for _, tt := range tests {
		if got := Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%#v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "recv", Err: ErrClosed}, "socket: recv: closed"},
		{&Error{Op: "controlling_process", Err: ErrNotOwner}, "socket: controlling_process: not_owner"},
		{&Error{Op: "connect", Err: syscall.ECONNREFUSED}, "socket: connect: econnrefused"},
		{&Error{Op: "send", Err: &os.SyscallError{Syscall: "sendmsg", Err: syscall.EPIPE}}, "socket: send: epipe"},
		{&Error{Op: "getaddr", Err: ErrNxdomain}, "socket: getaddr: nxdomain"},
		{&Error{Op: "parse_address", Err: syscall.EINVAL}, "socket: parse_address: einval"},
		{&Error{Op: "gethostbyname", Err: context.Canceled}, "socket: gethostbyname: context canceled"},
		{&Error{Op: "recv"}, "socket: recv: <nil>"},
		{&Error{Op: "shutdown", Err: explained{}}, "socket: shutdown: einval: how 7: want read, write or read_write"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// explained is an error that explains its errno, EINVAL, starting with
// its atom.
type explained struct{}

func (explained) Error() string { return "einval: how 7: want read, write or read_write" }

func (explained) As(target any) bool {
	p, ok := target.(*syscall.Errno)
	if ok {
		*p = syscall.EINVAL
	}
	return ok
}

// TestFormatError checks some texts; TestErlangFormatError holds all of
// them to a real Erlang.
func TestFormatError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{syscall.ECONNRESET, "connection reset by peer"},
		{&Error{Op: "connect", Err: syscall.ECONNREFUSED}, "connection refused"},
		// OTP's texts, where the inet manual's table has others.
		{syscall.EADDRNOTAVAIL, "can't assign requested address"},
		{syscall.ENOPROTOOPT, "bad proocol option"},
		{syscall.ETOOMANYREFS, "too many references: can't splice"},
		{ErrNxdomain, "non-existing domain"},
		{ErrSystemLimit, "a system limit was hit, probably not enough ports"},
		{syscall.EOPNOTSUPP, "operation not supported"}, // enotsup
		// Atoms outside inet's table, as in Erlang.
		{ErrClosed, "unknown POSIX error"},
		{ErrTimeout, "unknown POSIX error"},
		{&SendTimeoutError{Rest: []byte("x")}, "unknown POSIX error"},
		{syscall.EILSEQ, "unknown POSIX error"},
		{syscall.ECANCELED, "unknown POSIX error"},
		{errors.New("other"), "unknown POSIX error"},
	}
	for _, tt := range tests {
		if got := FormatError(tt.err); got != tt.want {
			t.Errorf("FormatError(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// namedReason is an error that names its own reason, as socket/ssl's
// *Alert does.
type namedReason struct{}

func (namedReason) Error() string  { return "tls_alert: unknown_ca" }
func (namedReason) Reason() string { return "unknown_ca" }
