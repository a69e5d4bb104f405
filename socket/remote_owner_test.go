package socket

import (
	"bytes"
	"errors"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// A socket never crosses nodes: controlling_process to a PID of another
// node (protoactor's remote, a cluster grain, a handler on another
// machine) is badarg, as gen_tcp:controlling_process(S, Pid) with a
// remote Pid answers {error, badarg} in OTP 25; the owner stays, and
// gets the socket's messages still. The PID's Id is a live local actor's,
// so only its node differs.
func TestControllingProcessRemotePID(t *testing.T) {
	a := newProc(t)
	client, s := pair(t, a, Active(True))
	l := listen(t, a, IP(loopback))
	defer l.Close()
	remote := actor.NewPID("10.0.0.1:8090", a.PID().Id)
	for _, sock := range []*Socket{s, l} {
		err := sock.ControllingProcess(a, remote)
		if !errors.Is(err, ErrBadArg) || inet.Reason(err) != "badarg" {
			t.Fatalf("controlling_process to %v: %v, want badarg", remote, err)
		}
	}
	testkit.Must(t, client.Send([]byte("still a's")))
	testkit.ExpectOf(t, a, func(m *TCP) bool { return m.Socket == s && bytes.Equal(m.Data, []byte("still a's")) })
}
