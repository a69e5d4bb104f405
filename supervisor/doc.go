// Package supervisor is OTP's supervisor behaviour on protoactor-go:
// strategies, restart types, restart intensity, shutdown policies,
// significant children and the supervisor calls, with OTP's semantics.
//
// A supervisor is an actor. Its children are protoactor actors spawned
// from its context by the start functions of their child specs, with the
// supervisor as their parent, so that protoactor tells it when they fail
// and when they stop; it then decides with OTP's rules, not with
// protoactor's strategies (which count retries per child, know no
// rest_for_one and no restart types). They are not in protoactor's set of
// the supervisor's children (ctx.Children() does not list them): the
// supervisor keeps its own record, and stops them itself, right to left
// and each by its shutdown policy, before it stops or is restarted, so
// that no child it has given up on can hold it. A supervisor is
// itself a child spec (SupervisorSpec), so supervisors nest, and one that
// gives up exits with reason Shutdown to its parent supervisor, which
// applies its own rules to it.
//
// # Erlang to Go
//
//	Erlang                                       Go
//	-------------------------------------------  ------------------------------------------------
//	supervisor:start_link(Mod, Args)             supervisor.Start(system.Root, flags, specs)
//	  with init/1 -> {ok, {SupFlags, Specs}}       (from a StartFunc: Start(ctx, flags, specs))
//	#{strategy => rest_for_one}                  Flags{Strategy: supervisor.RestForOne}
//	#{intensity => 3, period => 10}              Flags{Intensity: supervisor.MaxRestarts(3, 10*time.Second)}
//	#{auto_shutdown => any_significant}          Flags{AutoShutdown: supervisor.AnySignificant}
//	#{id => Id, start => {M, F, A}}              ChildSpec{ID: id, Start: func(ctx, args...) (*actor.PID, error)}
//	restart => transient                         ChildSpec{Restart: supervisor.Transient}
//	shutdown => brutal_kill | 2000 | infinity    ChildSpec{Shutdown: supervisor.BrutalKill | Timeout(2*time.Second) | Infinity}
//	type => supervisor                           ChildSpec{Type: supervisor.Supervisor} (see SupervisorSpec)
//	significant => true                          ChildSpec{Significant: true}
//	{ok, Pid} = proc_lib:start_link(...)         return ctx.Spawn(props), nil
//	ignore                                       return nil, supervisor.Ignore
//	{error, Reason}                              return nil, err
//	exit(normal) / exit(shutdown) / exit(R)      ctx.Stop(ctx.Self()) / supervisor.Exit(supervisor.Shutdown) / supervisor.Exit(err)
//	supervisor:start_child(Sup, Spec)            ref.StartChild(spec)
//	supervisor:start_child(Sup, ExtraArgs)       ref.StartChildArgs(args...)
//	supervisor:terminate_child(Sup, Id | Pid)    ref.TerminateChild(id), ref.TerminateChildPID(pid)
//	supervisor:restart_child(Sup, Id)            ref.RestartChild(id)
//	supervisor:delete_child(Sup, Id)             ref.DeleteChild(id)
//	supervisor:which_children(Sup)               ref.WhichChildren()
//	supervisor:count_children(Sup)               ref.CountChildren()
//	supervisor:get_childspec(Sup, Id)            ref.GetChildSpec(id)
//	gen_server:stop(Sup)                         ref.Stop()
//	Sup (a pid from which_children)              supervisor.Lookup(system, pid)
//	{error, not_found}, {error, running}, ...    errors.Is(err, supervisor.ErrNotFound), ErrRunning, ...
//	{error, {already_started, Pid}}              *AlreadyStartedError (errors.Is(err, ErrAlreadyStarted))
//	{error, {shutdown, {failed_to_start_child,   *StartError{ID, Err}
//	  Id, R}}}
//
// Ranch's acceptor pools, built on these supervisors, are package
// supervisor/ranch. Its connection supervisors are SimpleOneForOne
// supervisors with hooks, where Ranch writes a special process: a
// behaviour built on a supervisor starts it with StartWith and Hooks, and
// reaches its children from the supervisor's own actor (Ref.Send, Ref.Do,
// Inside).
//
// # Exit reasons
//
// OTP decides whether to restart a transient child from its exit reason.
// In protoactor an actor ends in one of two ways: it stops (ctx.Stop,
// PoisonPill), and its parent gets *actor.Terminated; or it panics, and its
// parent gets *actor.Failure with the panic value. So:
//
//   - a child that stops itself exits with Normal;
//   - a child that calls Exit(reason), which panics with a value of ours,
//     exits with that reason: Exit(Shutdown) or Exit(&ShutdownError{...})
//     is an orderly exit, not restarted if Transient;
//   - a child that panics with anything else exits with a *PanicError,
//     which is abnormal.
//
// The supervisor records the Failure as it is posted, stops the failed
// child (its protoactor SupervisorStrategy: the child is never restarted
// by protoactor), and acts on the child's Terminated, which protoactor
// sends the child's parent, with that reason.
// A child supervisor exits the same way: it terminates its children, then
// panics with Exit's value, so its parent sees reason Shutdown.
//
// # Shutdown
//
// BrutalKill maps to protoactor's Stop (ahead of queued messages),
// Timeout(d) and Infinity to PoisonPill (after them). The supervisor waits
// for the child's end through a monitor (actor.MonitorPID). For
// Timeout(d), once d has passed the supervisor kills the child, and goes
// on without it, so that a stuck child never holds up the tree above it.
//
// # Killed
//
// Erlang's kill ends a process at once, wherever it is: it runs no
// terminate callback, its mailbox goes with it, and its links and
// monitors fire with reason killed. Go cannot end a goroutine from
// outside, so a child killed after its shutdown timeout is killed for its
// supervisor only:
//
//   - the supervisor sends it protoactor's Stop, takes back its monitor,
//     drops it from its record (a killed child is gone for the supervisor:
//     what comes next, a restart by the strategy and restart type, counted
//     in the restart intensity, or the supervisor's own stop, is OTP's),
//     and reports shutdown_error with reason killed;
//   - the child goes on: its goroutine runs the user code it is stuck in
//     until that returns, then its Stopping and Stopped handlers. It stays
//     in protoactor's registry until then: messages sent to it are queued
//     in its mailbox, and dropped, unprocessed, when it stops (those sent
//     after it has stopped go to dead letters). Its Terminated, or its
//     Failure if it panics, reaches the supervisor, which ignores them.
//
// A child that panics in its Stopping handler is left the same way:
// protoactor never finishes stopping it, so it stays registered, with a
// suspended mailbox that queues what is sent to it, and no goroutine. The
// supervisor considers it gone, with the panic as its exit reason.
//
// # What differs from OTP
//
// Child IDs are strings; child specs have no modules (no release
// handling); supervisors have no registered names, but reports name them
// after their parent and child ID (PARENT/ID), or by Hooks.Name; a start
// function's "Info" of {ok, Pid, Info} has no equivalent. A supervisor
// whose children fail to start within Start does not log start_error, as
// OTP's does at every level of a tree: Start returns the error, and the
// caller reports it (a parent supervisor as its child's start_error), so
// that one failure is told once. Flags.MaxChildren comes
// from Elixir's DynamicSupervisor. Restart intensity is measured at the
// clock's resolution, not in whole seconds. A killed child still runs its
// Stopping handler, as no Go code can be stopped from outside (see
// Killed).
package supervisor
