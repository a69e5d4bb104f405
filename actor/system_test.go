package actor

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// NewSystem is quiet: protoactor's info lines (the start of every system)
// do not reach a logger at warn, and a logger of the user's gets them.
func TestNewSystemIsQuiet(t *testing.T) {
	var def bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))
	defer slog.SetDefault(old)
	sys := NewSystem()
	sys.Logger().Info("chatter")
	sys.Logger().Warn("worth saying")
	if out := def.String(); strings.Contains(out, "actor system started") || strings.Contains(out, "chatter") {
		t.Fatalf("the default system logged at info:\n%s", out)
	}
	if !strings.Contains(def.String(), "worth saying") {
		t.Fatalf("the default system dropped a warning: %q", def.String())
	}

	var mine bytes.Buffer
	sys = NewSystem(WithLogger(slog.New(slog.NewTextHandler(&mine, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if !strings.Contains(mine.String(), "actor system started") {
		t.Fatalf("WithLogger's logger did not get the system's start: %q", mine.String())
	}
}

// NewSystem's registry is compact, and still holds what protoactor
// registered at start (dead letters, the event stream) and every actor.
func TestNewSystemCompactRegistry(t *testing.T) {
	system := NewSystem()
	if n := len(system.ProcessRegistry.LocalPIDs.LocalPIDs); n != registryBuckets {
		t.Fatalf("%d registry buckets, want %d", n, registryBuckets)
	}
	for _, id := range []string{"deadletter", "eventstream"} {
		if _, ok := system.ProcessRegistry.GetLocal(id); !ok {
			t.Errorf("%s is not registered", id)
		}
	}
	pids := make([]*actor.PID, 100)
	for i := range pids {
		pids[i] = system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	}
	for _, pid := range pids {
		if _, ok := system.ProcessRegistry.Get(pid); !ok {
			t.Fatalf("%v is not registered", pid)
		}
		system.Root.StopFuture(pid).Wait()
		if _, ok := system.ProcessRegistry.Get(pid); ok {
			t.Fatalf("%v is still registered after it stopped", pid)
		}
	}
}
