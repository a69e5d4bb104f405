// Package unix is the part of golang.org/x/sys/unix that otpnet's
// OS-neutral files use, under the same names, so that they build on
// Windows too.
//
// On Unix every name is golang.org/x/sys/unix's own: types and constants
// are aliases of it, functions small wrappers the compiler inlines, so
// the code built there is the same as if it imported x/sys/unix.
//
// On Windows the names are Winsock's counterparts (see unix_windows.go):
// a file descriptor is a SOCKET handle held in an int; errors are
// syscall.Errno values with their POSIX names (EAGAIN, ECONNRESET, ...,
// which Windows' syscall package defines, and which package inet maps to
// Erlang's atoms), Winsock's WSAE errors translated to them; options and
// calls that Windows lacks (SO_REUSEPORT, IP_RECVTOS, MSG_NOSIGNAL, close
// on exec, ...) answer ENOPROTOOPT or EOPNOTSUPP, or do nothing where
// doing nothing is their effect there.
//
// Files that only build on one system (epoll, accept4, TCP_INFO, ...)
// import golang.org/x/sys/unix itself.
package unix
