// Package actor is otpnet's glue to protoactor-go: a quiet actor system by
// default, the owner mailbox that controlling_process needs, monitors and
// the links built on them, and Process, a PID-addressable mailbox for plain
// goroutines with Erlang's selective receive.
//
//   - NewSystem makes an actor system that logs at warn and above, with a
//     compact process registry.
//   - WithOwnerMailbox gives an actor a mailbox that runs as protoactor's
//     default one and from which TakeMatching can take a socket's queued
//     messages; MailboxOf posts straight into it.
//   - MonitorPID and DemonitorPID are Erlang's monitor/2 and demonitor/1
//     for any PID, with a Monitor value of the caller's own told by Down;
//     OnExit, the link of a socket to its owner, is built on them.
//   - NewProcess makes a Process for the calling goroutine, and Spawn,
//     Erlang's spawn/1, runs a function in a new one. A Process reads with
//     Receive as an Erlang process reads with `receive ... after`, and is
//     watched, stopped and linked to as an actor is, through protoactor's
//     Watch, Terminated and Stop.
//
// Everything that relies on protoactor's internals rather than its API is
// in one file, protoactor_adapter.go, which says what it relies on; a test
// fails if protoactor changes it.
package actor
