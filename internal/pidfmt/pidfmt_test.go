package pidfmt

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		pid  *actor.PID
		want string
	}{
		{nil, "undefined"},
		{actor.NewPID("nonhost", "process$1"), "<nonhost/process$1>"},
	} {
		if got := String(c.pid); got != c.want {
			t.Errorf("String(%v) = %q, want %q", c.pid, got, c.want)
		}
	}
}
