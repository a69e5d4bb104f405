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
// # protoactor's names
//
// A program written with otpnet (an actor that owns sockets, a
// ranch.Handler that spawns or messages another actor, a supervisor's
// child) imports one package named actor, this one: it re-exports the
// names of protoactor-go that such a program needs. ActorSystem,
// RootContext, PID, Context, SpawnerContext, Actor, ReceiveFunc,
// Producer, Props and PropsOption, the messages Started, Stopping,
// Stopped, Restarting and Terminated, and PropsFromFunc and
// PropsFromProducer. Each is an alias or a call-through: the very types
// and functions of github.com/asynkron/protoactor-go/actor, so that a
// value made here goes to protoactor and back unchanged, and the rest of
// protoactor (its other props options, futures, behaviours, middleware)
// is used alongside by importing it under another name:
//
//	import (
//		protoactor "github.com/asynkron/protoactor-go/actor"
//		"github.com/otpnet/otpnet/actor"
//	)
//
// Spawning, stopping and messaging from outside an actor go through the
// system's root context, whose methods need no import:
// system.Root.Spawn(props), Send(pid, msg), Request(pid, msg),
// RequestFuture(pid, msg, t), Stop(pid), Poison(pid); inside an actor,
// through its Context, which has the same methods; a plain goroutine that
// wants answers has a Process.
//
// Where a name is both protoactor's and otpnet's, this package's is
// otpnet's own and protoactor's is not re-exported: Process (here a
// mailbox for a goroutine, there the interface of a registered process),
// Mailbox (here where a socket delivers, there protoactor's queue), Spawn
// (here Erlang's spawn/1 of a function; an actor is spawned with
// system.Root.Spawn) and ErrTimeout (here a Receive's, the same value as
// inet.ErrTimeout; a future's Result fails with protoactor's, "future:
// timeout").
//
// Everything that relies on protoactor's internals rather than its API is
// in one file, protoactor_adapter.go, which says what it relies on; a test
// fails if protoactor changes it.
package actor
