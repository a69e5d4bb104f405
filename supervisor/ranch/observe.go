package ranch

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// ConnectionInfo is a running handler of a listener and when the listener
// admitted its connection, as ConnectionInfos reports it.
type ConnectionInfo struct {
	PID     *actor.PID
	Started time.Time
}

// ConnectionInfos returns the running handlers with the time each
// connection started, in that order, as Connections does their PIDs: what
// an operator's page shows of a connection's age.
func (l *Listener) ConnectionInfos() []ConnectionInfo {
	all := l.admissions()
	out := make([]ConnectionInfo, len(all))
	for i, a := range all {
		out[i] = ConnectionInfo{PID: a.pid, Started: l.gate.epoch.Add(a.start)}
	}
	return out
}
