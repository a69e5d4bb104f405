// Command upcase is a supervised TCP server that sends back each line in
// upper case: go run ./examples/upcase, then nc 127.0.0.1 4040.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// upcase serves one connection, in the actor that owns its socket: the
// behaviour calls HandleData with each line and re-arms {active, once}.
type upcase struct{ ranch.BaseHandler }

func (upcase) HandleData(c *ranch.Conn, line []byte) ranch.Action {
	if err := c.Send(bytes.ToUpper(line)); err != nil {
		return ranch.Fail(err)
	}
	return ranch.Continue
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4040", "HOST:PORT to listen on")
	drain := flag.Duration("drain", 5*time.Second, "how long Ctrl-C lets the connections end")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	system := actor.NewSystem()
	l, err := ranch.StartListener(system.Root,
		ranch.HandlerProtocol(func() ranch.Handler { return upcase{} }),
		ranch.ListenerOptions{
			Addr:          *addr,
			SocketOptions: []socket.Option{socket.Packet(framing.Line)},
			Events:        ranch.SlogEvents(slog.Default()), // log accepts and closes
		})
	if err != nil {
		slog.Error("upcase", "err", err)
		os.Exit(1)
	}
	<-ctx.Done() // SIGINT: stop accepting, give the connections -drain to end
	err = l.Drain(*drain)
	switch {
	case errors.Is(err, ranch.ErrDrainTimeout): // clients still connected: cut, as meant
		slog.Info("upcase: connections cut", "reason", err)
	case err != nil:
		slog.Error("upcase", "err", err)
		os.Exit(1)
	}
}
