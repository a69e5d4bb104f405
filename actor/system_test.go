package actor

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
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
	NewSystem(WithLogger(slog.New(slog.NewTextHandler(&mine, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if !strings.Contains(mine.String(), "actor system started") {
		t.Fatalf("WithLogger's logger did not get the system's start: %q", mine.String())
	}
}
