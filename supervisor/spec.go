package supervisor

import (
	"fmt"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Strategy is a supervisor's restart strategy, OTP's strategy().
// The zero value is OneForOne, OTP's default.
type Strategy int

const (
	// OneForOne restarts only the child that terminated.
	OneForOne Strategy = iota
	// OneForAll terminates all other children, right to left, and then
	// restarts all of them, left to right.
	OneForAll
	// RestForOne terminates the children started after the one that
	// terminated, right to left, and restarts it and them, left to right.
	RestForOne
	// SimpleOneForOne is a OneForOne supervisor whose children are all
	// instances of one child spec, added with Ref.StartChildArgs.
	SimpleOneForOne
)

// String returns the strategy as OTP spells it: "one_for_one", ...
func (s Strategy) String() string {
	switch s {
	case OneForOne:
		return "one_for_one"
	case OneForAll:
		return "one_for_all"
	case RestForOne:
		return "rest_for_one"
	case SimpleOneForOne:
		return "simple_one_for_one"
	}
	return "Strategy(" + strconv.Itoa(int(s)) + ")"
}

// Restart says when a terminated child is restarted, OTP's restart().
// The zero value is Permanent, OTP's default.
type Restart int

const (
	// Permanent children are always restarted.
	Permanent Restart = iota
	// Transient children are restarted only when they exit abnormally,
	// that is with a reason other than Normal, Shutdown or a
	// *ShutdownError (OTP's normal, shutdown and {shutdown, Term}).
	Transient
	// Temporary children are never restarted, not even when a sibling's
	// restart under OneForAll or RestForOne terminates them; their spec is
	// forgotten once they end.
	Temporary
)

// String returns the restart type as OTP spells it: "permanent", ...
func (r Restart) String() string {
	switch r {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return "Restart(" + strconv.Itoa(int(r)) + ")"
}

// ChildType says whether a child is a worker or a supervisor, OTP's
// worker(). It changes the default shutdown policy and CountChildren.
// The zero value is Worker.
type ChildType int

const (
	// Worker is any child that is not a supervisor.
	Worker ChildType = iota
	// Supervisor is a child that is itself a supervisor, started with
	// Start (or SupervisorSpec) from the context its start function gets.
	Supervisor
)

// String returns "worker" or "supervisor".
func (t ChildType) String() string {
	switch t {
	case Worker:
		return "worker"
	case Supervisor:
		return "supervisor"
	}
	return "ChildType(" + strconv.Itoa(int(t)) + ")"
}

// AutoShutdown says whether a supervisor stops itself when significant
// children end by themselves, OTP's auto_shutdown(). The zero value is
// Never, OTP's default.
type AutoShutdown int

const (
	// Never disables automatic shutdown; significant children are then
	// invalid.
	Never AutoShutdown = iota
	// AnySignificant stops the supervisor, with reason Shutdown, as soon
	// as any significant child ends without being restarted.
	AnySignificant
	// AllSignificant stops the supervisor, with reason Shutdown, when the
	// last running significant child ends without being restarted.
	AllSignificant
)

// String returns the setting as OTP spells it: "never", ...
func (a AutoShutdown) String() string {
	switch a {
	case Never:
		return "never"
	case AnySignificant:
		return "any_significant"
	case AllSignificant:
		return "all_significant"
	}
	return "AutoShutdown(" + strconv.Itoa(int(a)) + ")"
}

type shutdownKind uint8

const (
	shutdownDefault shutdownKind = iota
	shutdownBrutal
	shutdownTimeout
	shutdownInfinity
)

// ShutdownPolicy says how the supervisor terminates a child, OTP's
// shutdown(): BrutalKill, Timeout(d) or Infinity. The zero value means
// OTP's default: Timeout(5 * time.Second) for a Worker, Infinity for a
// Supervisor.
//
// Go cannot kill a goroutine, so the three policies map onto protoactor's
// two ways of stopping an actor:
//
//   - BrutalKill sends protoactor's Stop: a system message, handled as soon
//     as the child returns from the message it is processing, ahead of
//     every message still queued. The supervisor waits for the child's
//     end, which in practice comes at once. It differs from OTP's
//     kill in two ways: the child still runs its *actor.Stopping and
//     *actor.Stopped handlers (OTP's kill runs no terminate callback), and
//     a child stuck inside its Receive holds the supervisor until it
//     returns. Use a Timeout for children that may block.
//   - Timeout(d) sends protoactor's PoisonPill, a user message: the child
//     first handles the messages already in its mailbox, then stops,
//     running its Stopping handler, OTP's terminate/2. If it has not
//     terminated after d, the supervisor kills it: it sends Stop, drops
//     the child from its record, and goes on as OTP's supervisor goes on
//     after exit(Child, kill). What Go cannot do is end the goroutine: a
//     child blocked in user code keeps running until that code returns,
//     then runs its Stopping and Stopped handlers, unseen; until then
//     messages sent to it are queued, and they are dropped when it stops
//     (see Killed in the package documentation).
//   - Infinity sends PoisonPill and waits for the child's end for as long
//     as it takes; it is the default for supervisors, whose
//     subtrees need the time to shut down in order.
//
// Two protoactor behaviours would hang a supervisor that waits, and are
// handled with every policy. A child that panics while the supervisor
// waits for it has a suspended mailbox that never reaches the PoisonPill:
// the supervisor sees the failure as it is posted and sends Stop. A child
// that panics in its Stopping handler is never finished by protoactor and
// never ends: the supervisor considers it gone at once, with the panic as
// its exit reason, and leaves it (see Killed in the package
// documentation).
type ShutdownPolicy struct {
	kind    shutdownKind
	timeout time.Duration
}

var (
	// BrutalKill stops the child at once, OTP's brutal_kill.
	BrutalKill = ShutdownPolicy{kind: shutdownBrutal}
	// Infinity stops the child gracefully and waits for it without limit,
	// OTP's infinity.
	Infinity = ShutdownPolicy{kind: shutdownInfinity}
)

// Timeout stops the child gracefully and, after d, by force, OTP's integer
// shutdown (in milliseconds there, a time.Duration here). Timeout(0) is
// valid: graceful request, then immediate Stop.
func Timeout(d time.Duration) ShutdownPolicy {
	return ShutdownPolicy{kind: shutdownTimeout, timeout: d}
}

// IsValid reports whether a supervisor takes p: the zero value (the
// default), BrutalKill, Infinity, or Timeout(d) with d not negative.
// Start reports any other as an *InvalidError.
func (p ShutdownPolicy) IsValid() bool {
	switch p.kind {
	case shutdownDefault, shutdownBrutal, shutdownInfinity:
		return true
	case shutdownTimeout:
		return p.timeout >= 0
	}
	return false
}

// String returns the policy as OTP writes it: "brutal_kill", "infinity", or
// the timeout in milliseconds; the zero value prints as "default".
func (p ShutdownPolicy) String() string {
	switch p.kind {
	case shutdownBrutal:
		return "brutal_kill"
	case shutdownInfinity:
		return "infinity"
	case shutdownTimeout:
		return strconv.FormatInt(p.timeout.Milliseconds(), 10)
	}
	return "default"
}

const (
	defaultIntensity = 1
	defaultPeriod    = 5 * time.Second
	defaultShutdown  = 5 * time.Second
)

// Intensity is a supervisor's maximum restart intensity: at most Max
// restarts within Period, OTP's intensity and period. One more restart
// than that and the supervisor terminates all its children and then
// itself, with reason Shutdown. The zero value is OTP's default, 1 restart
// in 5 seconds; build others with MaxRestarts.
//
// OTP counts periods in whole seconds; here a restart is forgotten once it
// is more than Period old, at the clock's resolution.
type Intensity struct {
	set    bool
	max    int
	period time.Duration
}

// MaxRestarts returns the intensity "at most n restarts within period",
// OTP's #{intensity => n, period => period}. MaxRestarts(0, p) means that
// any restart stops the supervisor. n must not be negative and period must
// be positive; Start reports a bad value as an *InvalidError.
func MaxRestarts(n int, period time.Duration) Intensity {
	return Intensity{set: true, max: n, period: period}
}

// Max returns how many restarts are allowed within Period.
func (i Intensity) Max() int {
	if !i.set {
		return defaultIntensity
	}
	return i.max
}

// Period returns the sliding window in which restarts are counted.
func (i Intensity) Period() time.Duration {
	if !i.set {
		return defaultPeriod
	}
	return i.period
}

// String returns "N in PERIOD", such as "1 in 5s".
func (i Intensity) String() string {
	return fmt.Sprintf("%d in %v", i.Max(), i.Period())
}

// Flags are a supervisor's flags, OTP's sup_flags(). The zero Flags are
// OTP's defaults: OneForOne, 1 restart in 5 seconds, AutoShutdown Never.
type Flags struct {
	// Strategy is the restart strategy.
	Strategy Strategy
	// Intensity is the maximum restart intensity.
	Intensity Intensity
	// AutoShutdown says whether significant children stop the supervisor.
	AutoShutdown AutoShutdown
	// MaxChildren bounds the number of children of a SimpleOneForOne
	// supervisor; once reached, StartChildArgs fails with ErrMaxChildren.
	// Zero means no bound. OTP's supervisor has no such flag: it is the
	// max_children option of Elixir's DynamicSupervisor, and it is
	// invalid with the other strategies.
	MaxChildren int
}

// StartFunc starts a child, OTP's start {M, F, A}. The supervisor calls it
// from its own actor, synchronously, with its own context: the child must
// be spawned from ctx (ctx.Spawn, ctx.SpawnPrefix, ctx.SpawnNamed, or
// Start(ctx, ...) for a child supervisor) so that the supervisor is its
// parent and sees its failures and termination. A PID that is not such a
// child is refused. ctx spawns as an actor's context does, with the
// props' own spawn function if they have one, except that the child does
// not enter protoactor's set of the supervisor's children: the supervisor
// keeps its own record (see the package documentation).
//
// It returns the child's PID, as start_link returns {ok, Pid}; a nil PID
// and Ignore, as start_link returns ignore; or an error, as start_link
// returns {error, Reason}. A panic counts as an error. Whatever can fail
// should fail here, before the PID is returned (open the socket, then
// spawn the actor that owns it): a panic in the child's *actor.Started
// handler is a crash of a running child, which the supervisor restarts,
// not a failure to start.
//
// args are the extra arguments of Ref.StartChildArgs for a SimpleOneForOne
// supervisor (OTP's apply(M, F, A ++ ExtraArgs)); for other children they
// are empty. A restart calls the function again with the same args.
//
// The function runs inside the supervisor: it must not call the
// supervisor's own Ref, which would wait for itself, as calling your own
// supervisor from its init deadlocks in OTP.
type StartFunc func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error)

// ChildSpec is a child specification, OTP's child_spec(). ID and Start are
// required; the zero values of the other fields are OTP's defaults:
// Permanent, not significant, the default ShutdownPolicy, Worker.
type ChildSpec struct {
	// ID names the child within its supervisor; it must be unique there
	// and not empty. A SimpleOneForOne supervisor ignores it.
	ID string
	// Start starts the child.
	Start StartFunc
	// Restart says when the child is restarted.
	Restart Restart
	// Significant marks the child as significant for Flags.AutoShutdown.
	// It is invalid for Permanent children and with AutoShutdown Never.
	Significant bool
	// Shutdown says how the child is terminated.
	Shutdown ShutdownPolicy
	// Type says whether the child is a Worker or a Supervisor.
	Type ChildType
}

// SupervisorSpec returns the child spec of a child supervisor with the
// given flags and children: type Supervisor, shutdown Infinity, restart
// Permanent, as OTP's
//
//	#{id => Id, start => {Mod, start_link, Args}, type => supervisor}
//
// for a supervisor module whose init/1 returns {ok, {Flags, Children}}.
func SupervisorSpec(id string, flags Flags, children []ChildSpec) ChildSpec {
	return ChildSpec{
		ID:       id,
		Type:     Supervisor,
		Shutdown: Infinity,
		Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
			r, err := Start(ctx, flags, children)
			if err != nil {
				return nil, err
			}
			return r.PID(), nil
		},
	}
}

// check validates flags, as OTP's check_flags, and returns them with the
// defaults applied.
func (f Flags) check() (Flags, error) {
	if f.Strategy < OneForOne || f.Strategy > SimpleOneForOne {
		return f, &InvalidError{Field: "Flags.Strategy", Value: f.Strategy, Reason: "invalid_strategy",
			Detail: "must be OneForOne, OneForAll, RestForOne or SimpleOneForOne"}
	}
	if f.Intensity.set {
		if f.Intensity.max < 0 {
			return f, &InvalidError{Field: "Flags.Intensity", Value: f.Intensity.max, Reason: "invalid_intensity",
				Detail: "the maximum number of restarts must not be negative"}
		}
		if f.Intensity.period <= 0 {
			return f, &InvalidError{Field: "Flags.Intensity", Value: f.Intensity.period, Reason: "invalid_period",
				Detail: "the period must be positive"}
		}
	}
	if f.AutoShutdown < Never || f.AutoShutdown > AllSignificant {
		return f, &InvalidError{Field: "Flags.AutoShutdown", Value: f.AutoShutdown, Reason: "invalid_auto_shutdown",
			Detail: "must be Never, AnySignificant or AllSignificant"}
	}
	if f.MaxChildren < 0 {
		return f, &InvalidError{Field: "Flags.MaxChildren", Value: f.MaxChildren, Reason: "invalid_max_children",
			Detail: "must not be negative"}
	}
	if f.MaxChildren > 0 && f.Strategy != SimpleOneForOne {
		return f, &InvalidError{Field: "Flags.MaxChildren", Value: f.MaxChildren, Reason: "invalid_max_children",
			Detail: "applies only to SimpleOneForOne supervisors"}
	}
	f.Intensity = MaxRestarts(f.Intensity.Max(), f.Intensity.Period())
	return f, nil
}

// check validates a child spec, as OTP's check_childspec, and returns it
// with the defaults applied. simple says the spec is the template of a
// SimpleOneForOne supervisor, whose ID may be empty.
func (c ChildSpec) check(auto AutoShutdown, simple bool) (ChildSpec, error) {
	bad := func(field string, value any, reason, detail string) (ChildSpec, error) {
		return c, &InvalidError{Field: "ChildSpec." + field, ID: c.ID, Value: value, Reason: reason, Detail: detail}
	}
	if c.ID == "" && !simple {
		return bad("ID", c.ID, "missing_id", "must not be empty")
	}
	if c.Start == nil {
		return bad("Start", nil, "missing_start", "must not be nil")
	}
	if c.Restart < Permanent || c.Restart > Temporary {
		return bad("Restart", c.Restart, "invalid_restart_type", "must be Permanent, Transient or Temporary")
	}
	if c.Significant && auto == Never {
		return bad("Significant", true, "bad_combination", "a significant child needs Flags.AutoShutdown other than Never")
	}
	if c.Significant && c.Restart == Permanent {
		return bad("Significant", true, "bad_combination", "a Permanent child cannot be significant")
	}
	if c.Type < Worker || c.Type > Supervisor {
		return bad("Type", c.Type, "invalid_child_type", "must be Worker or Supervisor")
	}
	switch c.Shutdown.kind {
	case shutdownDefault:
		if c.Type == Supervisor {
			c.Shutdown = Infinity
		} else {
			c.Shutdown = Timeout(defaultShutdown)
		}
	case shutdownTimeout:
		if c.Shutdown.timeout < 0 {
			return bad("Shutdown", c.Shutdown.timeout, "invalid_shutdown", "a timeout must not be negative")
		}
	case shutdownBrutal, shutdownInfinity:
	default:
		return bad("Shutdown", c.Shutdown, "invalid_shutdown", "must be BrutalKill, Infinity or Timeout(d)")
	}
	return c, nil
}

// checkSpecs validates the child specs of a supervisor with flags f, as
// OTP's check_startspec, and returns them with the defaults applied.
func checkSpecs(f Flags, specs []ChildSpec) ([]ChildSpec, error) {
	simple := f.Strategy == SimpleOneForOne
	if simple && len(specs) != 1 {
		return nil, &InvalidError{Field: "specs", Value: len(specs), Reason: "bad_start_spec",
			Detail: "a SimpleOneForOne supervisor takes exactly one child spec"}
	}
	out := make([]ChildSpec, 0, len(specs))
	seen := make(map[string]bool, len(specs))
	for _, s := range specs {
		c, err := s.check(f.AutoShutdown, simple)
		if err != nil {
			return nil, err
		}
		if seen[c.ID] {
			return nil, &InvalidError{Field: "ChildSpec.ID", ID: c.ID, Value: c.ID, Reason: "duplicate_child_name",
				Detail: "two child specs have this ID"}
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	return out, nil
}
