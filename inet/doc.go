// Package inet is otpnet's part of Erlang's inet module that has nothing to
// do with ports: the reasons of {error, Reason} and their texts, address
// families, address parsing and printing, the resolver, the interfaces,
// and the inet configuration. It imports only the standard library and
// golang.org/x/sys, so that every other package, low or high, can use its
// errors: socket (gen_tcp and inet's port functions) and socket/sock
// (Erlang's socket module) return *Error values with these reasons.
//
// # Erlang to Go
//
//	{error, closed}, {error, timeout}       errors.Is(err, inet.ErrClosed), errors.Is(err, inet.ErrTimeout)
//	{error, not_owner}, {error, badarg}     inet.ErrNotOwner, inet.ErrBadArg
//	{error, nxdomain}                       inet.ErrNxdomain
//	{error, system_limit}                   inet.ErrSystemLimit
//	{error, econnreset}                     errors.Is(err, inet.ECONNRESET); inet.Reason(err) == "econnreset"
//	{error, {timeout, Rest}}                *inet.SendTimeoutError{Rest: rest}
//	inet:format_error(Reason)               inet.FormatError(err)
//	infinity                                inet.Infinity
//	inet, inet6, local                      inet.Inet, inet.Inet6, inet.Local
//	{local, Path}                           inet.LocalAddr(path)
//	inet:parse_address(Str)                 inet.ParseAddress(str)
//	inet:parse_strict_address(Str)          inet.ParseStrictAddress(str)
//	inet:parse_ipv4_address(Str), ...       inet.ParseIPv4Address(str), ...
//	inet:ipv4_mapped_ipv6_address(IP)       inet.IPv4MappedIPv6Address(ip)
//	inet:ntoa(IP)                           inet.Ntoa(ip)
//	inet:getaddr(Host, Family)              inet.GetAddr(host, family)
//	inet:getaddrs(Host, Family, Timeout)    inet.GetAddrsContext(ctx, host, family)
//	inet:gethostbyname(Name, Family)        inet.GetHostByName(name, family)
//	inet:gethostbyaddr(Addr)                inet.GetHostByAddr(addr)
//	inet:gethostname()                      inet.GetHostname()
//	inet:getifaddrs()                       inet.GetIfAddrs()
//	inet:get_rc()                           inet.GetRC()
//
// An address, Erlang's ip_address() tuple, is a netip.Addr (see
// ParseAddress). The port functions of inet (setopts, getopts, getstat,
// peername, sockname, port) are methods of package socket's Socket.
package inet
