package ranch

// TeeEvents returns an Events that passes each event to each of events,
// in order: a listener's logs (SlogEvents) and its metrics, say. Given to
// a listener, each of events is guarded on its own: one that panics is
// logged, as the listener's Events would be, and the others still get
// the event. A
// SlogEvents among them is bound to the listener as if it were the
// listener's Events alone, and the listener leaves its failed accepts to
// it to log.
func TeeEvents(events ...Events) Events {
	tee := make(teeEvents, 0, len(events))
	for _, e := range events {
		if e != nil {
			tee = append(tee, e)
		}
	}
	return tee
}

// teeEvents is TeeEvents' Events.
type teeEvents []Events

// bindEvents returns ev bound to l, and whether it logs l's failed accepts
// and handler starts (a SlogEvents, alone or in a TeeEvents). The members
// of a TeeEvents are guarded each, so that one that panics hides the
// event from none after it.
func bindEvents(ev Events, l *Listener) (Events, bool) {
	switch e := ev.(type) {
	case slogEvents:
		return e.bind(l), true
	case teeEvents:
		bound, quiet := make(teeEvents, len(e)), false
		for i, x := range e {
			b, q := bindEvents(x, l)
			bound[i] = guardedEvents{ev: b, log: l.log}
			quiet = quiet || q
		}
		return bound, quiet
	}
	return ev, false
}

func (t teeEvents) ListenerStart(e ListenerEvent) {
	for _, x := range t {
		x.ListenerStart(e)
	}
}

func (t teeEvents) ListenerStop(e ListenerEvent) {
	for _, x := range t {
		x.ListenerStop(e)
	}
}

func (t teeEvents) Accept(e AcceptEvent) {
	for _, x := range t {
		x.Accept(e)
	}
}

func (t teeEvents) AcceptError(e AcceptErrorEvent) {
	for _, x := range t {
		x.AcceptError(e)
	}
}

func (t teeEvents) ConnectionStart(e ConnectionEvent) {
	for _, x := range t {
		x.ConnectionStart(e)
	}
}

func (t teeEvents) ConnectionStop(e ConnectionEvent) {
	for _, x := range t {
		x.ConnectionStop(e)
	}
}
