package inet

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// The reasons of gen_tcp's and inet's {error, Reason} that are not POSIX
// error codes. Each prints as its Erlang atom; the errors of this package
// and of the socket packages wrap them in an *Error, so match them with
// errors.Is.
//
// POSIX reasons (econnreset, einval, emfile, ...) are the kernel's
// syscall.Errno values themselves, so that errors.Is(err,
// syscall.ECONNRESET) works, and Reason names them as Erlang does; the
// constants below name the usual ones.
var (
	// ErrClosed is closed: the socket is closed, or the peer closed the
	// connection (recv's {error, closed}).
	ErrClosed = errors.New("closed")

	// ErrTimeout is timeout: a call's time limit (recv, accept, connect,
	// send_timeout, a look-up's context deadline) passed. A send that timed
	// out on the socket backend returns a *SendTimeoutError, which also
	// matches ErrTimeout.
	ErrTimeout = errors.New("timeout")

	// ErrNotOwner is not_owner: controlling_process was called by a process
	// that does not own the socket.
	ErrNotOwner = errors.New("not_owner")

	// ErrBadArg is badarg: an argument the call refuses, such as
	// controlling_process to something that is not a process.
	ErrBadArg = errors.New("badarg")

	// ErrNxdomain is nxdomain: a host name did not resolve (getaddr,
	// getaddrs, gethostbyname, gethostbyaddr, and connect to a name).
	ErrNxdomain = errors.New("nxdomain")

	// ErrSystemLimit is system_limit: a system limit was hit, in OTP
	// usually the port table (listen, connect and accept return it).
	ErrSystemLimit = errors.New("system_limit")
	// ErrNoProc is noproc: the process or port a call names is gone, as
	// the Reason of a socket monitor's Down when the port had already
	// exited.
	ErrNoProc = errors.New("noproc")
)

// The POSIX reasons a program usually compares with, for errors.Is(err,
// inet.ECONNRESET) without importing syscall: each is the kernel's
// syscall.Errno itself (so it matches unix.ECONNRESET too), and Reason
// gives its Erlang atom, the constant's name in lower case: eaddrinuse,
// eaddrnotavail, eafnosupport, eagain, ealready, econnaborted,
// econnrefused, econnreset, ehostunreach, einprogress, einval, eisconn,
// emfile, emsgsize, enetunreach, enfile, enobufs, enotconn, enotsock,
// enotsup, epipe, etimedout, eacces and eperm. Reason names every other
// errno as well; use syscall's or unix's constants for those.
//
// ENOTSUP is EOPNOTSUPP on Linux, one errno (95): Erlang calls it
// enotsup, and so does Reason.
const (
	EADDRINUSE    = syscall.EADDRINUSE    // eaddrinuse: address already in use
	EADDRNOTAVAIL = syscall.EADDRNOTAVAIL // eaddrnotavail: the address is not this host's
	EAFNOSUPPORT  = syscall.EAFNOSUPPORT  // eafnosupport: address family not supported
	EAGAIN        = syscall.EAGAIN        // eagain: resource temporarily unavailable (= EWOULDBLOCK)
	EALREADY      = syscall.EALREADY      // ealready: operation already in progress
	ECONNABORTED  = syscall.ECONNABORTED  // econnaborted: connection aborted
	ECONNREFUSED  = syscall.ECONNREFUSED  // econnrefused: connection refused
	ECONNRESET    = syscall.ECONNRESET    // econnreset: connection reset by peer
	EHOSTUNREACH  = syscall.EHOSTUNREACH  // ehostunreach: host is unreachable
	EINPROGRESS   = syscall.EINPROGRESS   // einprogress: operation now in progress
	EINVAL        = syscall.EINVAL        // einval: invalid argument
	EISCONN       = syscall.EISCONN       // eisconn: socket is already connected
	EMFILE        = syscall.EMFILE        // emfile: too many open files (this process)
	EMSGSIZE      = syscall.EMSGSIZE      // emsgsize: message too long
	ENETUNREACH   = syscall.ENETUNREACH   // enetunreach: network is unreachable
	ENFILE        = syscall.ENFILE        // enfile: file table overflow (the system)
	ENOBUFS       = syscall.ENOBUFS       // enobufs: no buffer space available
	ENOTCONN      = syscall.ENOTCONN      // enotconn: socket is not connected
	ENOTSOCK      = syscall.ENOTSOCK      // enotsock: not a socket
	ENOTSUP       = syscall.ENOTSUP       // enotsup: operation not supported (= EOPNOTSUPP on Linux)
	EPIPE         = syscall.EPIPE         // epipe: broken pipe
	ETIMEDOUT     = syscall.ETIMEDOUT     // etimedout: connection timed out
	EACCES        = syscall.EACCES        // eacces: permission denied
	EPERM         = syscall.EPERM         // eperm: operation not permitted
)

// reasonSentinels are this package's reasons, in the order Reason tries them.
var reasonSentinels = [...]error{ErrClosed, ErrTimeout, ErrNotOwner, ErrBadArg, ErrNxdomain, ErrSystemLimit, ErrNoProc}

// Error is the error of a socket or inet call: the call and its reason, as
// net.OpError is for package net. Err is one of this package's sentinel
// errors, a *SendTimeoutError, or a syscall.Errno (and, for a look-up whose
// context was canceled, the context's error); errors.Is and errors.As see
// through Error to it.
type Error struct {
	Op  string // the Erlang call: "recv", "connect", "getaddr", "parse_address", ...
	Err error  // the reason
}

// Error returns "socket: OP: REASON", with the reason printed as Erlang
// prints it: "socket: recv: closed", "socket: connect: econnrefused".
func (e *Error) Error() string {
	return "socket: " + e.Op + ": " + reasonText(e.Err)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// reasonText is how Error prints a reason: POSIX errors by their atom, the
// others by their own text (this package's print their atoms). An error
// that explains its errno and starts with the atom ("einval: how How(7):
// ...") keeps its explanation.
func reasonText(err error) string {
	if err == nil {
		return "<nil>"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		atom := errnoAtom(errno)
		if text := err.Error(); strings.HasPrefix(text, atom+": ") {
			return text
		}
		return atom
	}
	return err.Error()
}

// SendTimeoutError is the socket backend's {error, {timeout, RestData}}: a
// send with a send_timeout gave up with Rest not yet handed to the kernel.
// Whether to resend Rest or close the socket is the caller's choice.
// errors.Is(err, ErrTimeout) reports true, and Reason returns "timeout".
type SendTimeoutError struct {
	Rest []byte // the bytes that were not sent; they alias the send's buffer
}

// Error returns "timeout: N bytes not sent".
func (e *SendTimeoutError) Error() string {
	return "timeout: " + strconv.Itoa(len(e.Rest)) + " bytes not sent"
}

// Is reports whether target is ErrTimeout, the atom at the head of
// Erlang's reason.
func (e *SendTimeoutError) Is(target error) bool { return target == ErrTimeout }

// reasoner is an error that names its own reason (Reason).
type reasoner interface {
	error
	Reason() string
}

// Reason returns the Erlang atom of err's reason, as {error, Reason}
// would carry it:
//
//   - "" for nil;
//   - what the first error in err's chain that names its own reason (a
//     Reason() string method: socket/ssl's *Alert, its alert's name, as
//     "unknown_ca" in {tls_alert, {unknown_ca, Text}}) says;
//   - the atom of this package's sentinel errors ("closed", "timeout",
//     "nxdomain", ...) found in err's chain, "timeout" for a
//     *SendTimeoutError;
//   - for a syscall.Errno in err's chain, the atom the emulator gives that
//     errno on Linux (erl_errno_id in erts/emulator/beam/erl_posix_str.c):
//     "econnreset", "einval", "emfile", ... Errnos the emulator has no name
//     for, such as ECANCELED, get "unknown", as in Erlang. Two Linux
//     aliases follow the emulator: EOPNOTSUPP (= ENOTSUP) is "enotsup" and
//     EWOULDBLOCK (= EAGAIN) is "eagain";
//   - "closed" for io.EOF and net.ErrClosed, and "timeout" for
//     os.ErrDeadlineExceeded and context.DeadlineExceeded, the Go errors
//     that mean what those atoms do;
//   - "unknown" for any other error.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var r reasoner
	if errors.As(err, &r) {
		return r.Reason()
	}
	for _, s := range reasonSentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errnoAtom(errno)
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "unknown"
}

// FormatError is inet:format_error/1 applied to Reason(err): the
// descriptive text of a POSIX reason ("connection reset by peer" for
// econnreset), "non-existing domain" for nxdomain, "a system limit was hit,
// probably not enough ports" for system_limit. Like Erlang, it returns
// "unknown POSIX error" for reasons outside that table, which includes
// closed, timeout, not_owner and badarg; it returns "" for nil.
//
// The texts are OTP's, typos included ("bad proocol option" for
// enoprotoopt), and differ in places from the table in the inet reference
// manual: held to a real Erlang/OTP 25 by this package's tests.
func FormatError(err error) string {
	if err == nil {
		return ""
	}
	return formatAtom(Reason(err))
}

// formatAtom is inet:format_error/1 on an atom.
func formatAtom(atom string) string {
	if s, ok := posixMessages[atom]; ok {
		return s
	}
	return "unknown POSIX error"
}

// errnoAtom is erl_errno_id: the atom of a Linux errno, or "unknown".
func errnoAtom(e syscall.Errno) string {
	if a, ok := errnoAtoms[e]; ok {
		return a
	}
	return "unknown"
}

// errnoAtoms is erl_errno_id (erts/emulator/beam/erl_posix_str.c) as it
// compiles on Linux. Where two names share a number the emulator keeps one:
// EAGAIN over EWOULDBLOCK, EDEADLK over EDEADLOCK, ENOTSUP over EOPNOTSUPP.
// EISNAM is missing on purpose: the emulator tests "#ifdef EISNAME", which
// Linux does not define, so it reports that errno as unknown. Errnos newer
// than the table (ERESTART, ESTRPIPE, ENOMEDIUM, EMEDIUMTYPE, ECANCELED,
// ENOKEY, EKEYEXPIRED, EKEYREVOKED, EKEYREJECTED, EOWNERDEAD,
// ENOTRECOVERABLE, ERFKILL, EHWPOISON) are unknown too.
var errnoAtoms = map[syscall.Errno]string{
	syscall.EPERM:           "eperm",
	syscall.ENOENT:          "enoent",
	syscall.ESRCH:           "esrch",
	syscall.EINTR:           "eintr",
	syscall.EIO:             "eio",
	syscall.ENXIO:           "enxio",
	syscall.E2BIG:           "e2big",
	syscall.ENOEXEC:         "enoexec",
	syscall.EBADF:           "ebadf",
	syscall.ECHILD:          "echild",
	syscall.EAGAIN:          "eagain",
	syscall.ENOMEM:          "enomem",
	syscall.EACCES:          "eacces",
	syscall.EFAULT:          "efault",
	syscall.ENOTBLK:         "enotblk",
	syscall.EBUSY:           "ebusy",
	syscall.EEXIST:          "eexist",
	syscall.EXDEV:           "exdev",
	syscall.ENODEV:          "enodev",
	syscall.ENOTDIR:         "enotdir",
	syscall.EISDIR:          "eisdir",
	syscall.EINVAL:          "einval",
	syscall.ENFILE:          "enfile",
	syscall.EMFILE:          "emfile",
	syscall.ENOTTY:          "enotty",
	syscall.ETXTBSY:         "etxtbsy",
	syscall.EFBIG:           "efbig",
	syscall.ENOSPC:          "enospc",
	syscall.ESPIPE:          "espipe",
	syscall.EROFS:           "erofs",
	syscall.EMLINK:          "emlink",
	syscall.EPIPE:           "epipe",
	syscall.EDOM:            "edom",
	syscall.ERANGE:          "erange",
	syscall.EDEADLK:         "edeadlk",
	syscall.ENAMETOOLONG:    "enametoolong",
	syscall.ENOLCK:          "enolck",
	syscall.ENOSYS:          "enosys",
	syscall.ENOTEMPTY:       "enotempty",
	syscall.ELOOP:           "eloop",
	syscall.ENOMSG:          "enomsg",
	syscall.EIDRM:           "eidrm",
	syscall.EREMOTE:         "eremote",
	syscall.ENOLINK:         "enolink",
	syscall.EPROTO:          "eproto",
	syscall.EMULTIHOP:       "emultihop",
	syscall.EBADMSG:         "ebadmsg",
	syscall.EOVERFLOW:       "eoverflow",
	syscall.EILSEQ:          "eilseq",
	syscall.EUSERS:          "eusers",
	syscall.ENOTSOCK:        "enotsock",
	syscall.EDESTADDRREQ:    "edestaddrreq",
	syscall.EMSGSIZE:        "emsgsize",
	syscall.EPROTOTYPE:      "eprototype",
	syscall.ENOPROTOOPT:     "enoprotoopt",
	syscall.EPROTONOSUPPORT: "eprotonosupport",
	syscall.ESOCKTNOSUPPORT: "esocktnosupport",
	syscall.ENOTSUP:         "enotsup",
	syscall.EPFNOSUPPORT:    "epfnosupport",
	syscall.EAFNOSUPPORT:    "eafnosupport",
	syscall.EADDRINUSE:      "eaddrinuse",
	syscall.EADDRNOTAVAIL:   "eaddrnotavail",
	syscall.ENETDOWN:        "enetdown",
	syscall.ENETUNREACH:     "enetunreach",
	syscall.ENETRESET:       "enetreset",
	syscall.ECONNABORTED:    "econnaborted",
	syscall.ECONNRESET:      "econnreset",
	syscall.ENOBUFS:         "enobufs",
	syscall.EISCONN:         "eisconn",
	syscall.ENOTCONN:        "enotconn",
	syscall.ESHUTDOWN:       "eshutdown",
	syscall.ETOOMANYREFS:    "etoomanyrefs",
	syscall.ETIMEDOUT:       "etimedout",
	syscall.ECONNREFUSED:    "econnrefused",
	syscall.EHOSTDOWN:       "ehostdown",
	syscall.EHOSTUNREACH:    "ehostunreach",
	syscall.EALREADY:        "ealready",
	syscall.EINPROGRESS:     "einprogress",
	syscall.ESTALE:          "estale",
	syscall.EDQUOT:          "edquot",
}

// posixMessages is inet:format_error/1 of OTP 25: erl_posix_msg:message/1
// for every atom it knows, with inet's own texts for exbadport, exbadseq
// and system_limit. Any other atom is "unknown POSIX error".
var posixMessages = map[string]string{
	"e2big":           "argument list too long",
	"eacces":          "permission denied",
	"eaddrinuse":      "address already in use",
	"eaddrnotavail":   "can't assign requested address",
	"eadv":            "advertise error",
	"eafnosupport":    "address family not supported by protocol family",
	"eagain":          "resource temporarily unavailable",
	"ealign":          "EALIGN",
	"ealready":        "operation already in progress",
	"ebade":           "bad exchange descriptor",
	"ebadf":           "bad file number",
	"ebadfd":          "file descriptor in bad state",
	"ebadmsg":         "not a data message",
	"ebadr":           "bad request descriptor",
	"ebadrpc":         "RPC structure is bad",
	"ebadrqc":         "bad request code",
	"ebadslt":         "invalid slot",
	"ebfont":          "bad font file format",
	"ebusy":           "file busy",
	"echild":          "no children",
	"echrng":          "channel number out of range",
	"ecomm":           "communication error on send",
	"econnaborted":    "software caused connection abort",
	"econnrefused":    "connection refused",
	"econnreset":      "connection reset by peer",
	"edeadlk":         "resource deadlock avoided",
	"edeadlock":       "resource deadlock avoided",
	"edestaddrreq":    "destination address required",
	"edirty":          "mounting a dirty fs w/o force",
	"edom":            "math argument out of range",
	"edotdot":         "cross mount point",
	"edquot":          "disk quota exceeded",
	"eduppkg":         "duplicate package name",
	"eexist":          "file already exists",
	"efault":          "bad address in system call argument",
	"efbig":           "file too large",
	"eftype":          "EFTYPE",
	"ehostdown":       "host is down",
	"ehostunreach":    "host is unreachable",
	"eidrm":           "identifier removed",
	"einit":           "initialization error",
	"einprogress":     "operation now in progress",
	"eintr":           "interrupted system call",
	"einval":          "invalid argument",
	"eio":             "I/O error",
	"eisconn":         "socket is already connected",
	"eisdir":          "illegal operation on a directory",
	"eisnam":          "is a name file",
	"elbin":           "ELBIN",
	"el2hlt":          "level 2 halted",
	"el2nsync":        "level 2 not synchronized",
	"el3hlt":          "level 3 halted",
	"el3rst":          "level 3 reset",
	"elibacc":         "cannot access a needed shared library",
	"elibbad":         "accessing a corrupted shared library",
	"elibexec":        "cannot exec a shared library directly",
	"elibmax":         "attempting to link in more shared libraries than system limit",
	"elibscn":         ".lib section in a.out corrupted",
	"elnrng":          "link number out of range",
	"eloop":           "too many levels of symbolic links",
	"emfile":          "too many open files",
	"emlink":          "too many links",
	"emsgsize":        "message too long",
	"emultihop":       "multihop attempted",
	"enametoolong":    "file name too long",
	"enavail":         "not available",
	"enet":            "ENET",
	"enetdown":        "network is down",
	"enetreset":       "network dropped connection on reset",
	"enetunreach":     "network is unreachable",
	"enfile":          "file table overflow",
	"enoano":          "anode table overflow",
	"enobufs":         "no buffer space available",
	"enocsi":          "no CSI structure available",
	"enodata":         "no data available",
	"enodev":          "no such device",
	"enoent":          "no such file or directory",
	"enoexec":         "exec format error",
	"enolck":          "no locks available",
	"enolink":         "link has be severed",
	"enomem":          "not enough memory",
	"enomsg":          "no message of desired type",
	"enonet":          "machine is not on the network",
	"enopkg":          "package not installed",
	"enoprotoopt":     "bad proocol option",
	"enospc":          "no space left on device",
	"enosr":           "out of stream resources or not a stream device",
	"enostr":          "not a stream",
	"enosym":          "unresolved symbol name",
	"enosys":          "function not implemented",
	"enotblk":         "block device required",
	"enotconn":        "socket is not connected",
	"enotdir":         "not a directory",
	"enotempty":       "directory not empty",
	"enotnam":         "not a name file",
	"enotsock":        "socket operation on non-socket",
	"enotsup":         "operation not supported",
	"enotty":          "inappropriate device for ioctl",
	"enotuniq":        "name not unique on network",
	"enxio":           "no such device or address",
	"eopnotsupp":      "operation not supported on socket",
	"eoverflow":       "offset too large for file system",
	"eperm":           "not owner",
	"epfnosupport":    "protocol family not supported",
	"epipe":           "broken pipe",
	"eproclim":        "too many processes",
	"eprocunavail":    "bad procedure for program",
	"eprogmismatch":   "program version wrong",
	"eprogunavail":    "RPC program not available",
	"eproto":          "protocol error",
	"eprotonosupport": "protocol not supported",
	"eprototype":      "protocol wrong type for socket",
	"erange":          "math result unrepresentable",
	"erefused":        "EREFUSED",
	"eremchg":         "remote address changed",
	"eremdev":         "remote device",
	"eremote":         "pathname hit remote file system",
	"eremoteio":       "remote i/o error",
	"eremoterelease":  "EREMOTERELEASE",
	"erofs":           "read-only file system",
	"erpcmismatch":    "RPC version is wrong",
	"erremote":        "object is remote",
	"eshutdown":       "can't send after socket shutdown",
	"esocktnosupport": "socket type not supported",
	"espipe":          "invalid seek",
	"esrch":           "no such process",
	"esrmnt":          "srmount error",
	"estale":          "stale remote file handle",
	"esuccess":        "Error 0",
	"etime":           "timer expired",
	"etimedout":       "connection timed out",
	"etoomanyrefs":    "too many references: can't splice",
	"etxtbsy":         "text file or pseudo-device busy",
	"euclean":         "structure needs cleaning",
	"eunatch":         "protocol driver not attached",
	"eusers":          "too many users",
	"eversion":        "version mismatch",
	"ewouldblock":     "operation would block",
	"exdev":           "cross-domain link",
	"exfull":          "message tables full",
	"nxdomain":        "non-existing domain",
	"exbadport":       "invalid port state",
	"exbadseq":        "bad command sequence",
	"system_limit":    "a system limit was hit, probably not enough ports",
}
