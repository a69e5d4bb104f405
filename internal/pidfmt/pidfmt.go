// Package pidfmt prints actor PIDs as otpnet's reports, logs, inet:i()
// and the live page do.
package pidfmt

import "github.com/asynkron/protoactor-go/actor"

// String prints pid as Erlang prints a pid, between angle brackets, by
// its address and id: <Address/Id>; a nil pid is Erlang's undefined.
// protoactor's PID.String is protobuf's text format, whose spacing varies
// on purpose.
func String(pid *actor.PID) string {
	if pid == nil {
		return "undefined"
	}
	return "<" + pid.Address + "/" + pid.Id + ">"
}
