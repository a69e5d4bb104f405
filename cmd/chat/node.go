package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	pactor "github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/automanaged"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// clusterName is the protoactor cluster's name: nodes of another name
// that answer on -members are not members.
const clusterName = "otpnet-chat"

// config is the command line.
type config struct {
	addr        string
	name        string
	clusterHost string
	clusterPort int
	managePort  int
	members     []string
	refresh     time.Duration
	acceptors   int
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:4050", "HOST:PORT for the clients (port 0 picks one)")
	fs.StringVar(&c.name, "name", "", "the node's name, in JOINED and ROOM answers (default: its cluster address)")
	fs.StringVar(&c.clusterHost, "cluster-host", "127.0.0.1", "the host that the cluster's remote (gRPC) listens on and advertises")
	fs.IntVar(&c.clusterPort, "cluster-port", 0, "the cluster's remote (gRPC) port (0 picks one)")
	fs.IntVar(&c.managePort, "manage-port", 6330, "the automanaged provider's HTTP health port, which the other nodes poll")
	members := fs.String("members", "", "comma-separated HOST:PORT of every node's -manage-port, this one's included (default: this one's only)")
	fs.DurationVar(&c.refresh, "refresh", 500*time.Millisecond, "how often the automanaged provider polls -members")
	fs.IntVar(&c.acceptors, "acceptors", 10, "acceptors in the pool")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("chat: unexpected argument %q", fs.Arg(0))
	case c.clusterPort < 0 || c.clusterPort > 65535:
		return nil, fmt.Errorf("chat: -cluster-port %d: want 0 to 65535", c.clusterPort)
	case c.managePort < 1 || c.managePort > 65535:
		return nil, fmt.Errorf("chat: -manage-port %d: want 1 to 65535", c.managePort)
	case c.refresh <= 0:
		return nil, fmt.Errorf("chat: -refresh %v: want a positive duration", c.refresh)
	case c.acceptors < 1:
		return nil, fmt.Errorf("chat: -acceptors %d: want 1 or more", c.acceptors)
	}
	if *members == "" {
		c.members = []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(c.managePort))}
	} else {
		for _, m := range strings.Split(*members, ",") {
			if _, _, err := net.SplitHostPort(m); err != nil {
				return nil, fmt.Errorf("chat: -members: %q: want HOST:PORT: %w", m, err)
			}
			c.members = append(c.members, m)
		}
	}
	return c, nil
}

// node is one chat node: the actor system, its cluster membership and
// its listener.
type node struct {
	cluster *cluster.Cluster
}

// run is the command: it serves until ctx is done, and returns the exit
// code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	system := actor.NewSystem(actor.WithLogger(log))
	n := &node{}
	out := &syncWriter{w: stdout}
	n.reportMembers(system, out) // from the first topology on
	if err := n.start(system, c); err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		return 1
	}
	out.printf("cluster on %s\n", system.Address())
	l, err := ranch.StartListener(system.Root, ranch.HandlerProtocol(n.newConn), ranch.ListenerOptions{
		Addr:          c.addr,
		NumAcceptors:  c.acceptors,
		SocketOptions: []socket.Option{socket.Packet(framing.Line), socket.PacketSize(64 << 10)},
	})
	if err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		n.cluster.Shutdown(false)
		return 1
	}
	out.printf("listening on %s\n", l.Addr())
	<-ctx.Done()
	code := 0
	if err := l.Stop(); err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		code = 1
	}
	// Not protoactor's graceful shutdown, which waits seconds for rooms
	// to move (and more for gRPC streams to a lost node): a room's state
	// is its members, which rejoin anyway. The other nodes see this one
	// leave at their next poll of -members.
	n.cluster.Shutdown(false)
	return code
}

// start joins the cluster: remote on -cluster-host:-cluster-port, the
// automanaged provider polling -members, the rooms placed by disthash.
// The name defaults to the cluster address, known once remote listens.
func (n *node) start(system *actor.ActorSystem, c *config) (err error) {
	provider := automanaged.NewWithConfig(c.refresh, c.managePort, c.members...)
	kind := cluster.NewKind(roomKind, pactor.PropsFromProducer(func() actor.Actor {
		return newRoom(c.name)
	}))
	cfg := cluster.Configure(clusterName, provider, disthash.New(),
		remote.Configure(c.clusterHost, c.clusterPort),
		cluster.WithKinds(kind), cluster.WithRequestTimeout(2*time.Second))
	n.cluster = cluster.New(system, cfg)
	// protoactor's StartMember panics when remote cannot listen.
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("cluster on %s:%d: %v", c.clusterHost, c.clusterPort, v)
		}
	}()
	n.cluster.StartMember()
	return nil
}

// reportMembers prints "members n" on out each time the number of members
// in the cluster's topology changes.
func (n *node) reportMembers(system *actor.ActorSystem, out *syncWriter) {
	last := -1
	var mu sync.Mutex
	system.EventStream.Subscribe(func(evt any) {
		t, ok := evt.(*cluster.ClusterTopology)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if len(t.Members) != last {
			last = len(t.Members)
			out.printf("members %d\n", last)
		}
	})
}

// syncWriter serialises the lines that several goroutines print.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}
