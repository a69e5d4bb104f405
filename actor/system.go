package actor

import (
	"context"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
)

// SystemOption configures NewSystem.
type SystemOption func(*systemConfig)

type systemConfig struct {
	logger *slog.Logger
}

// WithLogger makes the actor system log through l instead of otpnet's
// default (slog's default handler, at warn level and above).
func WithLogger(l *slog.Logger) SystemOption {
	return func(c *systemConfig) { c.logger = l }
}

// NewSystem returns a protoactor-go actor system that stays quiet: left to
// itself protoactor logs every start in colour to stderr, which is noise in a
// server and in tests. By default the system logs through log/slog's default
// handler at warn level and above; WithLogger passes a logger of your own.
func NewSystem(opts ...SystemOption) *actor.ActorSystem {
	c := systemConfig{}
	for _, o := range opts {
		o(&c)
	}
	logger := c.logger
	if logger == nil {
		logger = slog.New(warnOnly{slog.Default().Handler()})
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(s *actor.ActorSystem) *slog.Logger {
		return logger.With("lib", "protoactor", "system", s.ID)
	}))
	compactRegistry(system.ProcessRegistry)
	return system
}

// warnOnly passes records at warn level and above to the handler it wraps.
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{w.Handler.WithAttrs(as)} }
func (w warnOnly) WithGroup(g string) slog.Handler       { return warnOnly{w.Handler.WithGroup(g)} }
