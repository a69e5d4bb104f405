//go:build unix

package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// meta describes the run: when, where, how.
type meta struct {
	Command     string   `json:"command"`
	Mode        string   `json:"mode"` // quick or full
	CPU         string   `json:"cpu"`
	Cores       int      `json:"cores"`
	Memory      string   `json:"memory"`
	Kernel      string   `json:"kernel"`
	Go          string   `json:"go"`
	OTP         string   `json:"otp"`
	Gnet        string   `json:"gnet"`
	Commit      string   `json:"commit"`
	Pinned      bool     `json:"pinned"`
	Start       snap     `json:"start"`
	End         *snap    `json:"end,omitempty"`
	Elapsed     string   `json:"elapsed"`
	Interrupted bool     `json:"interrupted"`
	Settings    []string `json:"settings"`
}

// snap is the time and the load average at one moment.
type snap struct {
	Time string `json:"time"`
	Load string `json:"load"` // 1, 5 and 15-minute load averages
}

func snapshot() snap {
	s := snap{Time: time.Now().UTC().Format("2006-01-02 15:04:05 UTC")}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			s.Load = strings.Join(f[:3], " ")
		}
	}
	return s
}

func machine(o *opts) *meta {
	m := &meta{
		Command: o.cmd,
		Mode:    "full",
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version(),
		Pinned:  o.pin,
		Start:   snapshot(),
		CPU:     cpuinfo("model name"),
		Memory:  meminfo(),
		Commit:  commit(o.results, o.report, filepath.Join(filepath.Dir(o.report), o.plot)),
		Settings: []string{
			"conns " + joinInts(o.conns), "sizes " + joinInts(o.sizes), "depths " + joinInts(o.depths),
			"open-loop rates " + joinInts(o.rates), "idle " + joinInts(o.idle), "big MiB " + joinInts(o.bigSizes),
			"warmup " + o.warmup.String(), "duration " + o.duration.String(), "packet " + o.packet,
		},
	}
	if o.quick {
		m.Mode = "quick"
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	if out, err := exec.Command("erl", "-noshell", "-eval",
		`io:format("OTP ~s, ERTS ~s", [erlang:system_info(otp_release), erlang:system_info(version)]), halt().`).Output(); err == nil {
		m.OTP = strings.TrimSpace(string(out))
	}
	if bi, err := buildinfo.ReadFile(filepath.Join(o.bin, "gnetecho")); err == nil {
		for _, d := range bi.Deps {
			if d.Path == "github.com/panjf2000/gnet/v2" {
				m.Gnet = d.Version
			}
		}
	}
	return m
}

func cpuinfo(key string) string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func meminfo() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("MemTotal:")); ok {
			return strings.TrimSpace(string(v))
		}
	}
	return ""
}

// commit is the work tree's commit, marked when it has changes other
// than to the run's own outputs (the results file is already truncated).
func commit(outputs ...string) string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(out))
	args := []string{"status", "--porcelain", "--untracked-files=no", "--", "."}
	for _, o := range outputs {
		args = append(args, ":(exclude)"+o)
	}
	if st, err := exec.Command("git", args...).Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " (with uncommitted changes)"
	}
	return c
}
