package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/tlspool"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
)

// Option is one option of Listen and Connect, Erlang's ssl option list:
// a TLS option (CertFile, Verify, ALPN, ...) or, wrapped by
// SocketOptions, the gen_tcp and inet options of the socket underneath.
// The functions named after Erlang's options make them.
type Option struct {
	name  string // Erlang's name, for errors
	value any    // for errors
	tcp   []socket.Option
	apply func(*config) error
}

// String returns the option as Erlang writes it: {certfile,"cert.pem"}.
func (o Option) String() string {
	if o.tcp != nil {
		parts := make([]string, len(o.tcp))
		for i, t := range o.tcp {
			parts[i] = t.String()
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	if o.value == nil {
		return o.name
	}
	return fmt.Sprintf("{%s,%v}", o.name, o.value)
}

// OptionError says which option was refused, and why: a file that cannot
// be read or parsed, a version or a cipher suite crypto/tls does not
// have, an option of the wrong side. It matches unix.EINVAL with
// errors.Is, as Erlang's {error, {options, ...}} is a bad argument, and
// unwraps to the error underneath (a file's *fs.PathError, x509's), if
// any.
type OptionError struct {
	Option Option
	Why    string
	Err    error
}

// Error returns "einval: {NAME,VALUE}: WHY".
func (e *OptionError) Error() string {
	s := "einval: " + e.Option.String() + ": " + e.Why
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, unix.EINVAL) hold.
func (e *OptionError) Is(target error) bool { return target == unix.EINVAL }

// As gives einval to errors.As for a syscall.Errno, ahead of the errno of
// the error underneath (a missing file's enoent), so that inet.Reason
// names the option's reason, as Erlang's {error, {options, ...}} is.
func (e *OptionError) As(target any) bool {
	if p, ok := target.(*syscall.Errno); ok {
		*p = unix.EINVAL
		return true
	}
	return false
}

// Unwrap returns the error underneath, if any.
func (e *OptionError) Unwrap() error { return e.Err }

// SocketOptions passes gen_tcp and inet options (socket.Active,
// socket.Packet, socket.Nodelay, ...) to the socket underneath. Active,
// Packet, PacketSize and LineDelimiter take effect when the handshake is
// done, on the decrypted stream: the handshake itself runs passive and
// raw, as OTP's ssl runs it. Their defaults are gen_tcp's, {active, true}
// and {packet, raw}.
func SocketOptions(opts ...socket.Option) Option {
	return Option{name: "socket_options", tcp: append([]socket.Option{}, opts...)}
}

// Config starts the TLS configuration from c (cloned), for what no option
// here names (a session cache, a GetCertificate, a KeyLogWriter, ...): the
// options given besides it are applied on top.
func Config(c *tls.Config) Option {
	return Option{name: "config", value: "*tls.Config", apply: func(cf *config) error {
		if c == nil {
			return fmt.Errorf("nil *tls.Config")
		}
		cf.tls = c.Clone()
		return nil
	}}
}

// CertFile is {certfile, Path}: the PEM file of this end's certificate
// chain, with KeyFile (or the key in the same file). A file that cannot be
// read or parsed is an error of Listen or Connect that names it.
func CertFile(path string) Option {
	return Option{name: "certfile", value: path, apply: func(cf *config) error {
		cf.certFile = path
		return nil
	}}
}

// KeyFile is {keyfile, Path}: the PEM file of CertFile's private key. The
// default is CertFile's own file.
func KeyFile(path string) Option {
	return Option{name: "keyfile", value: path, apply: func(cf *config) error {
		cf.keyFile = path
		return nil
	}}
}

// Certificates is {certs_keys, [...]}: this end's certificates and keys,
// as crypto/tls holds them (tls.LoadX509KeyPair, tls.X509KeyPair).
func Certificates(certs ...tls.Certificate) Option {
	return Option{name: "certs_keys", value: len(certs), apply: func(cf *config) error {
		cf.certs = append(cf.certs, certs...)
		return nil
	}}
}

// CACertFile is {cacertfile, Path}: the PEM file of the CA certificates
// the peer's certificate is verified with.
func CACertFile(path string) Option {
	return Option{name: "cacertfile", value: path, apply: func(cf *config) error {
		cf.caFile = path
		return nil
	}}
}

// CACerts is {cacerts, [...]}: the CA certificates the peer's certificate
// is verified with, as a pool.
func CACerts(pool *x509.CertPool) Option {
	return Option{name: "cacerts", value: "*x509.CertPool", apply: func(cf *config) error {
		if pool == nil {
			return fmt.Errorf("nil *x509.CertPool")
		}
		cf.caPool = pool
		return nil
	}}
}

// VerifyMode is the verify option's value: VerifyPeer or VerifyNone.
type VerifyMode int

const (
	// VerifyPeer is verify_peer: the peer's certificate must chain to a
	// CA of CACertFile or CACerts (a client's to the system's roots when
	// none is given), and a client checks the server's name.
	VerifyPeer VerifyMode = iota + 1
	// VerifyNone is verify_none: the peer's certificate is not checked.
	VerifyNone
)

// String returns the Erlang atom.
func (v VerifyMode) String() string {
	switch v {
	case VerifyPeer:
		return "verify_peer"
	case VerifyNone:
		return "verify_none"
	}
	return fmt.Sprintf("VerifyMode(%d)", int(v))
}

// Verify is {verify, verify_peer | verify_none}. A client verifies by
// default, as OTP 26 and crypto/tls do: OTP 25's client default,
// verify_none, lets anyone in the middle, and OTP 25 itself warns of it
// at every connect. A server verifies no client by default; with
// VerifyPeer it asks for a certificate and checks one that comes, and
// FailIfNoPeerCert(true) makes one required.
func Verify(v VerifyMode) Option {
	return Option{name: "verify", value: v, apply: func(cf *config) error {
		if v != VerifyPeer && v != VerifyNone {
			return fmt.Errorf("want VerifyPeer or VerifyNone")
		}
		cf.verify = v
		return nil
	}}
}

// FailIfNoPeerCert is {fail_if_no_peer_cert, Bool}, a server's: with
// Verify(VerifyPeer), a client without a certificate fails the handshake.
func FailIfNoPeerCert(on bool) Option {
	return Option{name: "fail_if_no_peer_cert", value: on, apply: func(cf *config) error {
		cf.failNoCert = on
		return nil
	}}
}

// ServerNameIndication is {server_name_indication, Name}, a client's: the
// name sent in SNI and checked against the server's certificate. The
// default is Connect's host, when it is a name.
func ServerNameIndication(name string) Option {
	return Option{name: "server_name_indication", value: name, apply: func(cf *config) error {
		cf.sni = name
		return nil
	}}
}

// SNIHosts is {sni_hosts, [{Host, Opts}]}, a server's: the certificate
// for each name a client asks for by SNI; any other name, or none, gets
// CertFile's (or Certificates').
func SNIHosts(hosts map[string]tls.Certificate) Option {
	return Option{name: "sni_hosts", value: len(hosts), apply: func(cf *config) error {
		cf.sniHosts = hosts
		return nil
	}}
}

// Versions is {versions, [...]}: the TLS versions this end accepts,
// tls.VersionTLS13 and tls.VersionTLS12 by default (OTP 25's), and
// tls.VersionTLS11 or tls.VersionTLS10 if asked for. crypto/tls takes a
// range: the least and the greatest of those given.
func Versions(vs ...uint16) Option {
	return Option{name: "versions", value: versionNames(vs), apply: func(cf *config) error {
		if len(vs) == 0 {
			return fmt.Errorf("no version")
		}
		for _, v := range vs {
			if versionName(v) == "" {
				return fmt.Errorf("0x%04x is not a TLS version crypto/tls has", v)
			}
		}
		cf.minVersion, cf.maxVersion = slices.Min(vs), slices.Max(vs)
		return nil
	}}
}

// Ciphers is {ciphers, [...]}: the cipher suites of TLS 1.2 and below
// that this end accepts (tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
// ...). crypto/tls chooses TLS 1.3's suites itself: naming one is an
// error.
func Ciphers(ids ...uint16) Option {
	return Option{name: "ciphers", value: ids, apply: func(cf *config) error {
		known := map[uint16]bool{}
		for _, c := range tls.CipherSuites() {
			known[c.ID] = !slices.Contains(c.SupportedVersions, tls.VersionTLS13)
		}
		for _, c := range tls.InsecureCipherSuites() {
			known[c.ID] = true
		}
		for _, id := range ids {
			ok, found := known[id]
			switch {
			case !found:
				return fmt.Errorf("0x%04x is not a cipher suite crypto/tls has", id)
			case !ok:
				return fmt.Errorf("%s is TLS 1.3's: crypto/tls chooses those itself", tls.CipherSuiteName(id))
			}
		}
		cf.ciphers = append([]uint16{}, ids...)
		return nil
	}}
}

// ALPN is {alpn_advertised_protocols, [...]} for a client and
// {alpn_preferred_protocols, [...]} for a server: the application
// protocols this end speaks, in order of preference (a server picks the
// first of its own that the client offers, and a client that offers
// none of its fails the handshake, no_application_protocol).
func ALPN(protocols ...string) Option {
	return Option{name: "alpn", value: protocols, apply: func(cf *config) error {
		for _, p := range protocols {
			if p == "" || len(p) > 255 {
				return fmt.Errorf("a protocol name is 1 to 255 bytes")
			}
		}
		cf.alpn = append([]string{}, protocols...)
		return nil
	}}
}

// ReuseSessions is {reuse_sessions, Bool}: a client keeps the sessions
// servers give it (a cache of 64 shared by the connections made with this
// option's value) and resumes them; a server gives tickets either way,
// as crypto/tls does, unless off. On by default, as OTP's.
func ReuseSessions(on bool) Option {
	return Option{name: "reuse_sessions", value: on, apply: func(cf *config) error {
		cf.noReuse = !on
		return nil
	}}
}

// HandshakeHello is {handshake, hello}, a server's: Handshake returns
// after the client's hello, which HandshakeHello's caller looks at
// (Hello), and HandshakeContinue finishes it with more options, or
// HandshakeCancel ends it, Ranch's handshake_continue and
// handshake_cancel.
func HandshakeHello() Option {
	return Option{name: "handshake", value: "hello", apply: func(cf *config) error {
		cf.pauseHello = true
		return nil
	}}
}

func init() {
	tlspool.PausesHello = func(opt any) bool {
		o, ok := opt.(Option)
		return ok && o.name == "handshake" && o.value == "hello"
	}
}

// config is what the options make: crypto/tls's configuration, and the
// socket options split into those of the socket underneath and those
// that wait for the end of the handshake.
type config struct {
	tls        *tls.Config
	certFile   string
	keyFile    string
	certs      []tls.Certificate
	caFile     string
	caPool     *x509.CertPool
	verify     VerifyMode
	failNoCert bool
	sni        string
	sniHosts   map[string]tls.Certificate
	minVersion uint16
	maxVersion uint16
	ciphers    []uint16
	alpn       []string
	noReuse    bool
	pauseHello bool

	tcp  []socket.Option // for the socket underneath, with {active, false}, {packet, raw}
	post []socket.Option // set when the handshake is done: active, packet, packet_size, line_delimiter

	// A listener's post options that SetOpts set after Listen, one per
	// name: its connections take them before post.
	mu  sync.Mutex
	set []socket.Option
}

// listenerOpts returns a copy of what SetOpts set on the listener.
func (cf *config) listenerOpts() []socket.Option {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	return slices.Clone(cf.set)
}

// setListenerOpts keeps opts for the listener's connections: of two
// settings of one option in opts the first wins, as in SetOpts, and
// either wins over an earlier one.
func (cf *config) setListenerOpts(opts []socket.Option) {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	for i := len(opts) - 1; i >= 0; i-- {
		o := opts[i]
		cf.set = slices.DeleteFunc(cf.set, func(p socket.Option) bool { return p.Name() == o.Name() })
		cf.set = append(cf.set, o)
	}
}

// postOpts are the options the socket takes when its handshake is done:
// those given, then gen_tcp's defaults, which SetOpts applies only when
// not given (of two settings of one option the first wins).
func (cf *config) postOpts(more []socket.Option) []socket.Option {
	opts := append(append([]socket.Option{}, more...), cf.post...)
	return append(opts, socket.Active(socket.True), socket.Packet(framing.Raw))
}

// postNames are the options that act on the decrypted stream.
var postNames = []socket.OptName{socket.OptActive, socket.OptPacket, socket.OptPacketSize, socket.OptLineDelimiter}

// makeConfig checks opts and builds the configuration of a server or a
// client; op names the call in errors.
func makeConfig(op string, server bool, opts []Option) (*config, error) {
	cf := &config{}
	fail := func(o Option, why string, err error) (*config, error) {
		return nil, &inet.Error{Op: op, Err: &OptionError{Option: o, Why: why, Err: err}}
	}
	var post []socket.Option
	for _, o := range opts {
		if o.tcp != nil || o.name == "socket_options" {
			for _, t := range o.tcp {
				if slices.Contains(postNames, t.Name()) {
					post = append(post, t)
				} else {
					cf.tcp = append(cf.tcp, t)
				}
			}
			continue
		}
		if o.apply == nil {
			return fail(o, "not an option: make it with a function of package ssl", nil)
		}
		if err := o.apply(cf); err != nil {
			return fail(o, err.Error(), nil)
		}
		switch o.name {
		case "fail_if_no_peer_cert", "sni_hosts", "handshake":
			if !server {
				return fail(o, "a server's option: Listen takes it", nil)
			}
		case "server_name_indication":
			if server {
				return fail(o, "a client's option: Connect takes it", nil)
			}
		}
	}
	cf.post = post
	cf.tcp = append(cf.tcp, socket.Active(socket.False), socket.Packet(framing.Raw))
	if cf.tls == nil {
		cf.tls = &tls.Config{}
	}
	t := cf.tls
	if cf.certFile != "" {
		key := cf.keyFile
		if key == "" {
			key = cf.certFile
		}
		pair, err := loadPair(cf.certFile, key)
		if err != nil {
			return fail(CertFile(cf.certFile), "cannot load the certificate and key "+cf.certFile+", "+key, err)
		}
		t.Certificates = append(t.Certificates, pair)
	} else if cf.keyFile != "" {
		return fail(KeyFile(cf.keyFile), "a key without its certificate: give CertFile", nil)
	}
	t.Certificates = append(t.Certificates, cf.certs...)
	if server && len(t.Certificates) == 0 && t.GetCertificate == nil && t.GetConfigForClient == nil {
		return fail(CertFile(""), "a server needs a certificate: give CertFile and KeyFile, or Certificates", nil)
	}
	pool := cf.caPool
	if cf.caFile != "" {
		pem, err := os.ReadFile(cf.caFile)
		if err != nil {
			return fail(CACertFile(cf.caFile), "cannot read it", err)
		}
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fail(CACertFile(cf.caFile), "no PEM certificate in "+cf.caFile, nil)
		}
	}
	if cf.minVersion != 0 {
		t.MinVersion, t.MaxVersion = cf.minVersion, cf.maxVersion
	} else if t.MinVersion == 0 {
		t.MinVersion = tls.VersionTLS12
	}
	if cf.ciphers != nil {
		t.CipherSuites = cf.ciphers
	}
	if cf.alpn != nil {
		t.NextProtos = cf.alpn
	}
	if server {
		if pool != nil {
			t.ClientCAs = pool
		}
		switch {
		case cf.verify == VerifyPeer && cf.failNoCert:
			t.ClientAuth = tls.RequireAndVerifyClientCert
		case cf.verify == VerifyPeer:
			t.ClientAuth = tls.VerifyClientCertIfGiven
		case cf.failNoCert:
			return fail(FailIfNoPeerCert(true), "only with Verify(VerifyPeer)", nil)
		}
		if cf.noReuse {
			t.SessionTicketsDisabled = true
		}
		if cf.sniHosts != nil {
			hosts, fallback := cf.sniHosts, t.Certificates
			t.GetCertificate = func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
				if c, ok := hosts[h.ServerName]; ok {
					return &c, nil
				}
				if len(fallback) > 0 {
					return &fallback[0], nil
				}
				return nil, fmt.Errorf("no certificate for %q", h.ServerName)
			}
		}
	} else {
		if pool != nil {
			t.RootCAs = pool
		}
		if cf.verify == VerifyNone {
			t.InsecureSkipVerify = true
		}
		if !cf.noReuse && t.ClientSessionCache == nil {
			t.ClientSessionCache = clientSessions
		}
	}
	return cf, nil
}

// clientSessions is the session cache of the clients that reuse
// sessions, as OTP's ssl keeps one per node.
var clientSessions = tls.NewLRUClientSessionCache(64)

// loadPair reads a certificate chain and its key from PEM files.
func loadPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// versionName is Erlang's name of a TLS version: "tlsv1.3", ...; "" for
// one crypto/tls does not have.
func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "tlsv1.3"
	case tls.VersionTLS12:
		return "tlsv1.2"
	case tls.VersionTLS11:
		return "tlsv1.1"
	case tls.VersionTLS10:
		return "tlsv1"
	}
	return ""
}

func versionNames(vs []uint16) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		if names[i] = versionName(v); names[i] == "" {
			names[i] = fmt.Sprintf("0x%04x", v)
		}
	}
	return "[" + strings.Join(names, ",") + "]"
}
