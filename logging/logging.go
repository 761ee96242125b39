// Package logging gives golws programs lws's five log levels (err, warn,
// notice, info, debug) on log/slog: a text logger that names them as lws
// does, level names as lws configurations spell them, and a syslog handler.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strings"
	"sync"
)

// Log levels, lws's five on slog's scale. Notice sits between Info and
// Warn: it is logged by default, Info and Debug are not.
const (
	LevelErr    = slog.LevelError
	LevelWarn   = slog.LevelWarn
	LevelNotice = slog.Level(2)
	LevelInfo   = slog.LevelInfo
	LevelDebug  = slog.LevelDebug
)

// levelName prints lws's level names.
func levelName(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		switch a.Value.Any().(slog.Level) {
		case LevelErr:
			a.Value = slog.StringValue("ERR")
		case LevelWarn:
			a.Value = slog.StringValue("WARN")
		case LevelNotice:
			a.Value = slog.StringValue("NOTICE")
		case LevelInfo:
			a.Value = slog.StringValue("INFO")
		case LevelDebug:
			a.Value = slog.StringValue("DEBUG")
		}
	}
	return a
}

// ParseLevel reads a level name: err, warn, notice, info or debug (any case).
func ParseLevel(name string) (slog.Level, error) {
	switch strings.ToLower(name) {
	case "err", "error":
		return LevelErr, nil
	case "warn", "warning":
		return LevelWarn, nil
	case "notice":
		return LevelNotice, nil
	case "info":
		return LevelInfo, nil
	case "debug":
		return LevelDebug, nil
	}
	return 0, fmt.Errorf("logging: unknown log level %q (want err, warn, notice, info or debug)", name)
}

// NewLogger returns a text logger writing to w (nil means stderr) that
// logs level and above, with lws's level names. Pass a *slog.LevelVar to
// change the level while running (lws_set_log_level).
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: levelName}))
}

// NewSyslogHandler returns a handler that sends records of level and above
// to w with the syslog priority of their level (lwsl_emit_syslog): err,
// warning, notice, info, debug. Open w with syslog.New or syslog.Dial.
func NewSyslogHandler(w *syslog.Writer, level slog.Leveler) slog.Handler {
	s := &syslogSink{w: w}
	return &syslogHandler{sink: s, inner: slog.NewTextHandler(s, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{} // syslog stamps time and priority itself
			}
			return a
		},
	})}
}

// syslogSink writes each formatted record with the priority of the record
// being handled; mu makes level and write one step.
type syslogSink struct {
	mu    sync.Mutex
	w     *syslog.Writer
	level slog.Level
}

func (s *syslogSink) Write(p []byte) (int, error) {
	msg := string(p)
	var err error
	switch {
	case s.level >= LevelErr:
		err = s.w.Err(msg)
	case s.level >= LevelWarn:
		err = s.w.Warning(msg)
	case s.level >= LevelNotice:
		err = s.w.Notice(msg)
	case s.level >= LevelInfo:
		err = s.w.Info(msg)
	default:
		err = s.w.Debug(msg)
	}
	return len(p), err
}

type syslogHandler struct {
	sink  *syslogSink
	inner slog.Handler
}

func (h *syslogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *syslogHandler) Handle(ctx context.Context, r slog.Record) error {
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	h.sink.level = r.Level
	return h.inner.Handle(ctx, r)
}

func (h *syslogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &syslogHandler{sink: h.sink, inner: h.inner.WithAttrs(as)}
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	return &syslogHandler{sink: h.sink, inner: h.inner.WithGroup(name)}
}
