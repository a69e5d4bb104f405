//go:build linux || windows

package inet

import "syscall"

// The errnos of erl_errno_id that Linux has and the BSDs and macOS do not
// (System V's and STREAMS'): there the emulator leaves them out, and so
// does errnoAtoms. Windows' syscall package invents them all.
func init() {
	errnoAtoms[syscall.ECHRNG] = "echrng"
	errnoAtoms[syscall.EL2NSYNC] = "el2nsync"
	errnoAtoms[syscall.EL3HLT] = "el3hlt"
	errnoAtoms[syscall.EL3RST] = "el3rst"
	errnoAtoms[syscall.ELNRNG] = "elnrng"
	errnoAtoms[syscall.EUNATCH] = "eunatch"
	errnoAtoms[syscall.ENOCSI] = "enocsi"
	errnoAtoms[syscall.EL2HLT] = "el2hlt"
	errnoAtoms[syscall.EBADE] = "ebade"
	errnoAtoms[syscall.EBADR] = "ebadr"
	errnoAtoms[syscall.EXFULL] = "exfull"
	errnoAtoms[syscall.ENOANO] = "enoano"
	errnoAtoms[syscall.EBADRQC] = "ebadrqc"
	errnoAtoms[syscall.EBADSLT] = "ebadslt"
	errnoAtoms[syscall.EBFONT] = "ebfont"
	errnoAtoms[syscall.ENONET] = "enonet"
	errnoAtoms[syscall.ENOPKG] = "enopkg"
	errnoAtoms[syscall.EADV] = "eadv"
	errnoAtoms[syscall.ESRMNT] = "esrmnt"
	errnoAtoms[syscall.ECOMM] = "ecomm"
	errnoAtoms[syscall.EDOTDOT] = "edotdot"
	errnoAtoms[syscall.ENOTUNIQ] = "enotuniq"
	errnoAtoms[syscall.EBADFD] = "ebadfd"
	errnoAtoms[syscall.EREMCHG] = "eremchg"
	errnoAtoms[syscall.ELIBACC] = "elibacc"
	errnoAtoms[syscall.ELIBBAD] = "elibbad"
	errnoAtoms[syscall.ELIBSCN] = "elibscn"
	errnoAtoms[syscall.ELIBMAX] = "elibmax"
	errnoAtoms[syscall.ELIBEXEC] = "elibexec"
	errnoAtoms[syscall.EUCLEAN] = "euclean"
	errnoAtoms[syscall.ENOTNAM] = "enotnam"
	errnoAtoms[syscall.ENAVAIL] = "enavail"
	errnoAtoms[syscall.EREMOTEIO] = "eremoteio"
}
