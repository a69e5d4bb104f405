// Package actor is otpnet's glue to protoactor-go: a quiet actor system by
// default, the owner mailbox that controlling_process needs, the link that
// closes a port when its owner stops, and Process, a PID-addressable mailbox
// for plain goroutines with Erlang's selective receive.
//
// This package is being built issue by issue; today it holds the quiet
// actor system that the rest of otpnet and its tests start from.
package actor
