package supervisor

import (
	"errors"
	"testing"
)

// ExitReason tells a recovered Exit from a crash, as the supervisor does.
func TestExitReason(t *testing.T) {
	recovered := func(f func()) (v any) {
		defer func() { v = recover() }()
		f()
		return nil
	}
	if got := ExitReason(recovered(func() { Exit(Shutdown) })); got != Shutdown {
		t.Errorf("ExitReason of Exit(Shutdown) = %v", got)
	}
	if got := ExitReason(recovered(func() { Exit(nil) })); got != Normal {
		t.Errorf("ExitReason of Exit(nil) = %v", got)
	}
	var pe *PanicError
	if got := ExitReason(recovered(func() { panic("boom") })); !errors.As(got, &pe) || pe.Value != "boom" {
		t.Errorf("ExitReason of a panic = %v, want {panic,boom}", got)
	}
}
