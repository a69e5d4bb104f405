package socket

import (
	"slices"
	"sync/atomic"
)

// The process-wide default options, the counterpart of the Kernel
// application variables inet_default_connect_options and
// inet_default_listen_options. Each holds an immutable slice, replaced as
// a whole, so reading it needs no lock.
var defaultConnect, defaultListen atomic.Pointer[[]Option]

// SetDefaultConnectOptions sets the options every later Connect applies
// before its caller's own, as the Kernel variable
// inet_default_connect_options does in OTP: the caller's options, coming
// after, win. With no options it removes the defaults.
//
// As in OTP, an active option among the defaults is ignored (OTP deletes
// it, "Active is to dangerous"): new sockets start {active, true} unless
// their caller says otherwise. Fd, which names one file descriptor, is
// refused as a default. Every other option is checked now, as SetOpts
// checks it; an invalid one is refused with an *OptionError naming it,
// and the defaults stay as they were. Sockets already open are not
// affected. It is safe for concurrent use.
func SetDefaultConnectOptions(opts ...Option) error {
	return setDefaults(&defaultConnect, opts)
}

// SetDefaultListenOptions sets the options every later Listen applies
// before its caller's own, as the Kernel variable
// inet_default_listen_options does in OTP. Accepted sockets inherit the
// listening socket's options, so they get these too; Accept has no
// defaults of its own. Otherwise it behaves as SetDefaultConnectOptions,
// active being ignored likewise.
func SetDefaultListenOptions(opts ...Option) error {
	return setDefaults(&defaultListen, opts)
}

// DefaultConnectOptions returns the options SetDefaultConnectOptions set
// (without any ignored active), in order; nil if none.
func DefaultConnectOptions() []Option { return getDefaults(&defaultConnect) }

// DefaultListenOptions returns the options SetDefaultListenOptions set
// (without any ignored active), in order; nil if none.
func DefaultListenOptions() []Option { return getDefaults(&defaultListen) }

// setDefaults checks opts and stores a private copy of them, less active.
func setDefaults(p *atomic.Pointer[[]Option], opts []Option) error {
	kept := make([]Option, 0, len(opts))
	for _, o := range opts {
		if err := checkValue(o); err != nil {
			return err
		}
		switch o.name {
		case OptActive:
			continue
		case OptFd:
			return optError("setopts", o, "not a default option")
		}
		kept = append(kept, copyOption(o))
	}
	// Values that are fine alone may still clash (low above high, say):
	// try them as an open would.
	po, oo := defaultPortOpts(), openOpts{fd: -1}
	if err := split(kept, &po, &oo); err != nil {
		return err
	}
	if len(kept) == 0 {
		p.Store(nil)
	} else {
		p.Store(&kept)
	}
	return nil
}

// getDefaults returns a copy of the defaults p holds.
func getDefaults(p *atomic.Pointer[[]Option]) []Option {
	d := p.Load()
	if d == nil {
		return nil
	}
	out := make([]Option, len(*d))
	for i, o := range *d {
		out[i] = copyOption(o)
	}
	return out
}

// withDefaults is opts after the defaults p holds, which they override.
func withDefaults(p *atomic.Pointer[[]Option], opts []Option) []Option {
	d := p.Load()
	if d == nil {
		return opts
	}
	return append(slices.Clip(*d), opts...)
}

// copyOption copies a raw option's bytes, so that neither the caller nor
// the kernel's answer can change a stored default.
func copyOption(o Option) Option {
	if r, ok := o.value.(RawValue); ok {
		r.Value = slices.Clone(r.Value)
		o.value = r
	}
	return o
}
