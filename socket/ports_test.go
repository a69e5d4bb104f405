package socket

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// find returns the PortInfo of s in ports.
func find(ports []PortInfo, s *Socket) (PortInfo, bool) {
	for _, p := range ports {
		if p.Socket == s {
			return p, true
		}
	}
	return PortInfo{}, false
}

// Ports lists every live port, the listening socket, the client and the
// accepted socket, with its owner, addresses, mode, states and counters;
// a closed port leaves the list, and its counts stay in the totals.
// PortsNoAddrs lists them without their addresses, which ReadAddrs reads.
func TestPorts(t *testing.T) {
	p := newProc(t)
	l, port := listenLo(t, p, Active(False))
	defer l.Close()
	c := connect(t, p, "127.0.0.1", port, Active(False))
	s := accept(t, l, p)
	defer s.Close()
	before := ReadTotals()
	if err := c.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(5, testkit.WaitBound); err != nil {
		t.Fatal(err)
	}
	ports := Ports()
	lp, ok := find(ports, l)
	if !ok || !lp.Listener || lp.Local.Port() != uint16(port) || lp.Peer.IsValid() || FormatStates(lp.States) != "LN:O" {
		t.Errorf("listening socket: %+v (listed %v)", lp, ok)
	}
	sp, ok := find(ports, s)
	cAddr, _ := c.Sockname()
	if !ok || sp.Listener || sp.Peer != cAddr || sp.Local.Port() != uint16(port) || sp.Stats.RecvOct != 5 || !sp.Owner.Equal(p.Self()) {
		t.Errorf("accepted socket: %+v (listed %v), want peer %v, 5 bytes in", sp, ok, cAddr)
	}
	bare, ok := find(PortsNoAddrs(), s)
	if !ok || bare.Local.IsValid() || bare.Peer.IsValid() || bare.ID != sp.ID {
		t.Errorf("accepted socket without addresses: %+v (listed %v)", bare, ok)
	}
	if bare.ReadAddrs(); bare.Local != sp.Local || bare.Peer != sp.Peer {
		t.Errorf("accepted socket's addresses read: %v %v, want Ports' %v %v", bare.Local, bare.Peer, sp.Local, sp.Peer)
	}
	cp, ok := find(ports, c)
	if !ok || cp.Stats.SendOct != 5 || cp.Active != False || FormatStates(cp.States) != "CONNECTED(O)" {
		t.Errorf("client: %+v (listed %v)", cp, ok)
	}
	if cp.ID >= sp.ID || lp.ID >= cp.ID {
		t.Errorf("ids %d, %d, %d: not in the order the ports opened", lp.ID, cp.ID, sp.ID)
	}

	var out bytes.Buffer
	if err := I(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[0], "Port Module   Recv Sent Owner") {
		t.Errorf("header %q", lines[0])
	}
	want := fmt.Sprintf("127.0.0.1:%d %s CONNECTED(O) STREAM", port, cAddr)
	if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
		t.Errorf("inet:i() has no line with %q:\n%s", want, out.String())
	}

	mid := ReadTotals()
	if mid.RecvOct < before.RecvOct+5 || mid.SendOct < before.SendOct+5 || mid.Ports < 3 || mid.Listening < 1 || mid.Passive < 1 {
		t.Errorf("totals %+v after 5 bytes each way, %+v before", mid, before)
	}
	c.Close()
	if _, ok := find(Ports(), c); ok {
		t.Error("a closed port is still listed")
	}
	if st := c.Counters(); st.SendOct != 5 || st.SendCnt != 1 {
		t.Errorf("a closed port's counters: %+v, want its 5 bytes in 1 send", st)
	}
	if after := ReadTotals(); after.SendOct < mid.SendOct {
		t.Errorf("the bytes sent went down from %d to %d when a port closed", mid.SendOct, after.SendOct)
	}
	l.Close()
	if _, ok := find(Ports(), l); ok {
		t.Error("a closed listening socket is still listed")
	}
}

// inet:i()'s State column, from the states inet:info gives, and any
// other: what OTP 25's inet:fmt_status answers, taken from inet's code.
func TestFormatStates(t *testing.T) {
	cases := []struct {
		states []string
		want   string
	}{
		{[]string{"connected", "open"}, "CONNECTED(O)"},
		{[]string{"listen", "open"}, "LN:O"},
		{[]string{"accepting", "listen", "open"}, "ACCEPTING"},
		{[]string{"busy", "connected", "open"}, "BY:CD:O"},
		{[]string{"open"}, "IDLE"},
		{[]string{}, "CLOSED"},
		{[]string{"closed"}, "CLOSED"},
		{[]string{"open", "connected", "bound"}, "CONNECTED(B)"},
		{[]string{"bound", "busy", "connected", "open"}, "CONNECTED(BB)"},
		{[]string{"bound", "listen", "listening", "open"}, "LISTENING"},
		{[]string{"listen", "bound", "open"}, "LISTEN"},
		{[]string{"bound", "connecting", "open"}, "CONNECTING"},
		{[]string{"bound", "open"}, "BOUND"},
		{[]string{"bound"}, "BD"},
		{[]string{"bound", "open", "selected"}, "BD:O:SD"},
		{[]string{"connecting", "open"}, "CG:O"},
		{[]string{"listening", "open"}, "LG:O"},
		{[]string{"accepting"}, "ACCEPTING"},
		{[]string{"connected"}, "CD"},
		{[]string{"open", "zzz"}, "O:ZZZ"},
	}
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(strings.Join(c.states, " ") + "\n")
	}
	otp := erltest.Batch(t, "testdata/fmt_status.escript", nil, []byte(in.String()))()
	if len(otp) != len(cases) {
		t.Fatalf("OTP answered %d cases of %d: %q", len(otp), len(cases), otp)
	}
	for i, c := range cases {
		got := FormatStates(c.states)
		if got != c.want || got != otp[i] {
			t.Errorf("FormatStates(%q) = %q, want %q (OTP 25's: %q)", c.states, got, c.want, otp[i])
		}
	}
}

// iLine returns the fields of inet:i()'s line of port s in out.
func iLine(t *testing.T, out string, s *Socket) []string {
	t.Helper()
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 0 && f[0] == fmt.Sprint(s.id) {
			return f
		}
	}
	t.Fatalf("no line of port %d in:\n%s", s.id, out)
	return nil
}

// inet:i()'s Module is OTP 25's: inet6_tcp for an IPv6 socket, local_tcp
// for a local one, with its local:PATH addresses.
func TestIModule(t *testing.T) {
	p := newProc(t)
	l6, err := Listen(p, 0, Family(inet.Inet6), IP(netip.IPv6Loopback()))
	if err != nil {
		t.Fatal(err)
	}
	defer l6.Close()
	port, _ := l6.Port()
	c6 := connect(t, p, "::1", port)
	defer c6.Close()
	l4, port4 := listenLo(t, p)
	defer l4.Close()
	sfile := filepath.Join(t.TempDir(), "server")
	lu := listen(t, p, IfAddrLocal(sfile))
	defer lu.Close()
	cu := connect(t, p, sfile, 0, Family(inet.Local))
	defer cu.Close()
	var b bytes.Buffer
	if err := I(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, c := range []struct {
		s                      *Socket
		module, local, foreign string
	}{
		{l6, "inet6_tcp", fmt.Sprintf("[::1]:%d", port), "*:*"},
		{c6, "inet6_tcp", "", fmt.Sprintf("[::1]:%d", port)},
		{l4, "inet_tcp", fmt.Sprintf("127.0.0.1:%d", port4), "*:*"},
		{lu, "local_tcp", "local:" + sfile, "*:*"},
		{cu, "local_tcp", "local:", "local:" + sfile},
	} {
		f := iLine(t, out, c.s)
		if f[1] != c.module || (c.local != "" && f[5] != c.local) || f[6] != c.foreign {
			t.Errorf("port %v: %q, want module %s, local %q, foreign %s", c.s, f, c.module, c.local, c.foreign)
		}
	}
}

// The totals never go down, not even when a port exits while ReadTotals
// reads them, after the exited ports' counts and before its own.
func TestReadTotalsMonotonic(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	if err := c.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(5, testkit.WaitBound); err != nil {
		t.Fatal(err)
	}
	before := ReadTotals()
	readTotalsHook = func() { c.Close(); s.Close() }
	defer func() { readTotalsHook = nil }()
	during := ReadTotals()
	readTotalsHook = nil
	after := ReadTotals()
	if during.SendOct < before.SendOct || during.RecvOct < before.RecvOct || during.SendCnt < before.SendCnt || during.RecvCnt < before.RecvCnt {
		t.Errorf("totals went down while two ports exited: %+v, then %+v", before, during)
	}
	if after.SendOct < before.SendOct || after.RecvOct < before.RecvOct {
		t.Errorf("totals went down after two ports exited: %+v, then %+v", before, after)
	}
}
