package inet

import (
	"bufio"
	"net/netip"
	"os"
	"strings"
)

// RCParam is one parameter of the inet configuration, {Par, Val} in
// Erlang's inet:get_rc/0.
type RCParam struct {
	Key   string
	Value any
}

// The files Go's resolver, and so this package, reads on Unix. They are
// fixed: Go has no counterpart of OTP's ERL_INETRC or of
// inet_db:set_resolv_conf.
const (
	resolvConfPath = "/etc/resolv.conf"
	hostsFilePath  = "/etc/hosts"
)

// GetRC is inet:get_rc(): the inet configuration in use, as {Key, Value}
// pairs, in this order:
//
//	{resolv_conf, "/etc/resolv.conf"}  string: the resolver's configuration file
//	{hosts_file, "/etc/hosts"}         string: the hosts file
//	{lookup, [native]}                 []string: how names are resolved
//	{nameserver, Addr}                 netip.AddrPort, port 53: one per
//	                                   nameserver line of resolv.conf
//	{domain, Name}                     string: resolv.conf's domain, if any
//	{search, Names}                    []string: resolv.conf's search, if any
//
// The first three are what OTP reports on a node started without an inetrc
// file (try erl -eval 'inet:get_rc()'). Names are resolved by Go's
// resolver (net.DefaultResolver), which plays the part of OTP's native
// lookup: it reads the hosts file and resolv.conf itself, following
// nsswitch.conf, so lookup is always [native].
//
// It differs from OTP in that the configuration is not a database one can
// change: nothing here sets it, and ERL_INETRC and the kernel variable
// inetrc are not read. The nameserver, domain and search entries come
// from reading resolv.conf at each call; OTP lists them only once they are
// loaded into its own resolver, inet_res, and its list also holds
// inet_res's settings (timeout, retry, edns, cache size, ...), which have
// no counterpart here. An unreadable resolv.conf leaves them out.
func GetRC() []RCParam {
	rc := []RCParam{
		{"resolv_conf", resolvConfPath},
		{"hosts_file", hostsFilePath},
		{"lookup", []string{"native"}},
	}
	return append(rc, readResolvConf(resolvConfPath)...)
}

// readResolvConf is the nameserver, domain and search entries of the
// resolv.conf at path, as glibc reads it: the last domain or search line
// counts; nameservers in order.
func readResolvConf(path string) []RCParam {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var (
		servers []RCParam
		domain  string
		search  []string
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			// An IPv6 address may carry a zone ("fe80::1%eth0"), which
			// netip keeps.
			if a, err := netip.ParseAddr(fields[1]); err == nil {
				servers = append(servers, RCParam{"nameserver", netip.AddrPortFrom(a.Unmap(), 53)})
			}
		case "domain":
			domain, search = fields[1], nil
		case "search":
			search, domain = fields[1:], ""
		}
	}
	rc := servers
	if domain != "" {
		rc = append(rc, RCParam{"domain", domain})
	}
	if search != nil {
		rc = append(rc, RCParam{"search", search})
	}
	return rc
}
