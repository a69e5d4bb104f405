package inet

import (
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Linux's aliases and the errnos erl_posix_str.c leaves out.
func TestReasonLinux(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{syscall.EDEADLOCK, "edeadlk"}, // = EDEADLK
		{syscall.EISNAM, "unknown"},    // erl_posix_str.c tests #ifdef EISNAME
	} {
		if got := Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%#v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestErrnoAtomsNames checks the hand-written errno table against the
// kernel's names as golang.org/x/sys/unix has them: each atom is the
// lower-cased name, except where erl_errno_id differs.
func TestErrnoAtomsNames(t *testing.T) {
	// What erl_errno_id says instead of the lower-cased name, on Linux.
	differs := map[syscall.Errno]string{
		syscall.EOPNOTSUPP: "enotsup", // unix says EOPNOTSUPP for 95
		syscall.EUCLEAN:    "euclean", // unix says EFSCORRUPTED, its alias
		syscall.EISNAM:     "unknown",
		// Newer kernel headers than OTP 25 was built with (Debian 12's)
		// name 134 EFTYPE; that emulator has no name for it.
		unix.EFTYPE: "unknown",
	}
	// Errnos the emulator's table does not have.
	for _, e := range []syscall.Errno{
		syscall.ERESTART, syscall.ESTRPIPE, syscall.ENOMEDIUM, syscall.EMEDIUMTYPE,
		syscall.ECANCELED, syscall.ENOKEY, syscall.EKEYEXPIRED, syscall.EKEYREVOKED,
		syscall.EKEYREJECTED, syscall.EOWNERDEAD, syscall.ENOTRECOVERABLE, syscall.ERFKILL,
		unix.EHWPOISON,
	} {
		differs[e] = "unknown"
	}
	n := 0
	for e := syscall.Errno(1); e < 256; e++ {
		name := unix.ErrnoName(e)
		if name == "" {
			if got := errnoAtom(e); got != "unknown" {
				t.Errorf("errnoAtom(%d) = %q for an errno with no name", e, got)
			}
			continue
		}
		want, ok := differs[e]
		if !ok {
			want = strings.ToLower(name)
		}
		if got := errnoAtom(e); got != want {
			t.Errorf("errnoAtom(%s) = %q, want %q", name, got, want)
		}
		if want != "unknown" {
			n++
			if _, ok := posixMessages[want]; !ok && want != "eilseq" {
				t.Errorf("%s: inet:format_error has no text for %q", name, want)
			}
		}
	}
	if n != len(errnoAtoms) {
		t.Errorf("checked %d errnos, the table has %d", n, len(errnoAtoms))
	}
}
