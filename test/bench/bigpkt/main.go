// Command bigpkt measures an echo server with big {packet, 4} messages:
// the memory a lying length header costs it, and how fast it echoes
// packets of 1-64 MiB.
//
//	bigpkt -addr HOST:PORT -pid PID liar [-mib 256] [-after 20s]
//	bigpkt -addr HOST:PORT [-pid PID] echo [-sizes 1,4,16,64] [-n 3] [-duration 3s] [-json]
//
// liar announces a packet of 2^31-5 bytes, streams -mib MiB of its body,
// closes, and prints the server's RSS (from /proc/PID/status) before, at
// its peak while the body arrives, and -after the close. echo sends one
// packet of each size at a time (loadgen.BigEcho): one untimed, then as
// many as -duration takes, at least -n; it prints the mean round trip and
// the throughput in MiB/s (counting both directions' payload once), and
// with -pid the server's RSS before, its peak RSS and its CPU time per
// MiB; with -json one JSON line per size (test/bench/matrix's big cells).
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/otpnet/otpnet/test/bench/loadgen"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4040", "the server's `HOST:PORT`")
	pid := flag.Int("pid", 0, "the server's process id, for liar's RSS")
	mib := flag.Int("mib", 256, "liar: MiB of body to stream")
	after := flag.Duration("after", 20*time.Second, "liar: how long after the close to read the RSS")
	sizes := flag.String("sizes", "1,4,16,64", "echo: packet sizes in MiB")
	n := flag.Int("n", 3, "echo: least timed round trips per size")
	duration := flag.Duration("duration", 3*time.Second, "echo: least time of the timed round trips per size")
	asJSON := flag.Bool("json", false, "echo: one JSON line per size")
	flag.Parse()
	mode := flag.Arg(0)
	if flag.NArg() > 1 { // the flags may follow the mode too
		if flag.CommandLine.Parse(flag.Args()[1:]) != nil {
			os.Exit(2)
		}
	}
	var err error
	switch {
	case flag.NArg() > 0 && mode != flag.Arg(0):
		err = fmt.Errorf("unexpected argument %q", flag.Arg(0))
	case mode == "liar":
		err = liar(*addr, *pid, *mib, *after)
	case mode == "echo":
		err = echo(*addr, *pid, *sizes, *n, *duration, *asJSON)
	default:
		err = fmt.Errorf("want liar or echo, not %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigpkt:", err)
		os.Exit(1)
	}
}

// rss returns pid's resident set in KiB.
func rss(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

func liar(addr string, pid, mib int, after time.Duration) error {
	if pid <= 0 {
		return fmt.Errorf("liar needs -pid")
	}
	before, err := rss(pid)
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	chunk := make([]byte, 1<<20)
	binary.BigEndian.PutUint32(chunk, 1<<31-5)
	peak := before
	start := time.Now()
	for i := 0; i < mib; i++ {
		if _, err := c.Write(chunk); err != nil {
			return err
		}
		if r, err := rss(pid); err == nil && r > peak {
			peak = r
		}
		chunk[0], chunk[1], chunk[2], chunk[3] = 0, 0, 0, 0
	}
	// Let the server read the last of it before the close.
	for t := time.Now(); time.Since(t) < time.Second; time.Sleep(50 * time.Millisecond) {
		if r, err := rss(pid); err == nil && r > peak {
			peak = r
		}
	}
	sent := time.Since(start)
	c.Close()
	time.Sleep(after)
	end, err := rss(pid)
	if err != nil {
		return err
	}
	fmt.Printf("liar %d MiB in %v: RSS before %d MiB, peak %d MiB (+%d MiB, %.2fx the body), %v after close %d MiB\n",
		mib, sent.Round(time.Millisecond), before>>10, peak>>10, (peak-before)>>10,
		float64(peak-before)/float64(mib<<10), after, end>>10)
	return nil
}

func echo(addr string, pid int, sizes string, n int, d time.Duration, asJSON bool) error {
	for _, f := range strings.Split(sizes, ",") {
		m, err := strconv.Atoi(f)
		if err != nil || m <= 0 || m > 1024 {
			return fmt.Errorf("-sizes: %q: want MiB from 1 to 1024", f)
		}
		r, err := loadgen.BigEcho(context.Background(), loadgen.BigConfig{
			Addr: addr, Size: m << 20, Duration: d, MinRounds: n, ServerPID: pid,
		})
		if err != nil {
			return err
		}
		if asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			fmt.Printf("%s\n", b)
			continue
		}
		fmt.Printf("echo %2d MiB: %.1fms per round trip (%d), %.0f MiB/s", m, r.RoundTrip, r.Rounds, r.MiBPerSec)
		if s := r.Server; s != nil {
			fmt.Printf("; server RSS %d MiB before, peak %d MiB, %.2f ms CPU/MiB", s.RSSBefore>>20, s.PeakRSS>>20, s.CPUPerMiB)
		}
		fmt.Println()
	}
	return nil
}
