// Package actor is otpnet's glue to protoactor-go: a quiet actor system by
// default, the owner mailbox that controlling_process needs, the link that
// closes a port when its owner stops, and Process, a PID-addressable mailbox
// for plain goroutines with Erlang's selective receive.
//
// This package is being built issue by issue. Today it holds the quiet
// actor system that the rest of otpnet and its tests start from, and
// Process: a goroutine creates one with NewProcess, hands its PID to whoever
// should write to it (an actor, a socket as its owner), and reads with
// Receive as an Erlang process reads with `receive ... after`. A Process is
// watched, stopped and linked to as an actor is, through protoactor's
// Watch, Terminated and Stop, so code that links to an owner (OnExit) need
// not know which of the two it has.
package actor
