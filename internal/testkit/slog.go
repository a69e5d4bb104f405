package testkit

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// Slog is a slog.Handler that keeps a line for each record that format
// makes one of (format reports false for a record to drop), for a test to
// look for afterwards. Attributes given to the logger (WithAttrs,
// WithGroup) are not kept.
type Slog struct {
	format func(slog.Record) (string, bool)
	mu     sync.Mutex
	lines  []string
}

// NewSlog returns a handler keeping the lines format makes.
func NewSlog(format func(slog.Record) (line string, keep bool)) *Slog {
	return &Slog{format: format}
}

// Enabled reports true: every level is kept.
func (l *Slog) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps r's line.
func (l *Slog) Handle(_ context.Context, r slog.Record) error {
	line, keep := l.format(r)
	if !keep {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	return nil
}

// WithAttrs returns l.
func (l *Slog) WithAttrs([]slog.Attr) slog.Handler { return l }

// WithGroup returns l.
func (l *Slog) WithGroup(string) slog.Handler { return l }

// Lines returns the lines kept so far, in order.
func (l *Slog) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// Has reports whether line was kept.
func (l *Slog) Has(line string) bool {
	return slices.Contains(l.Lines(), line)
}

// Count returns how many lines contain s.
func (l *Slog) Count(s string) int {
	n := 0
	for _, line := range l.Lines() {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}
