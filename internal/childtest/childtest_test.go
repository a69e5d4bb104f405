package childtest

import (
	"errors"
	"os"
	"testing"

	"github.com/otpnet/otpnet/internal/unix"
)

// In the child, LimitFdsFree leaves exactly the fds it says: the next
// open after them is EMFILE, and one is free again once one closes.
func TestLimitFdsFree(t *testing.T) {
	if !Child(t) {
		Run(t)
		return
	}
	LimitFdsFree(t, 2)
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for range 2 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatalf("open %d of the 2 free fds: %v", len(files)+1, err)
		}
		files = append(files, f)
	}
	if f, err := os.Open(os.DevNull); !errors.Is(err, unix.EMFILE) {
		f.Close()
		t.Fatalf("a third open = %v, want emfile", err)
	}
	files[0].Close()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatalf("open after a close: %v", err)
	}
	files[0] = f
}
