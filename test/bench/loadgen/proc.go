package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTick = time.Second / 100

// A Sample is what /proc says about a process at one moment.
type Sample struct {
	// CPU is the process's user plus system time so far, all threads.
	CPU time.Duration
	// RSS is the resident set size in bytes (VmRSS).
	RSS int64
	// PeakRSS is the largest RSS the process has had (VmHWM), in bytes.
	PeakRSS int64
	// Threads is the number of OS threads (Threads in /proc/PID/status).
	Threads int
}

// ReadProc samples process pid from /proc/PID/stat and /proc/PID/status.
func ReadProc(pid int) (Sample, error) {
	var s Sample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields from its closing parenthesis. State is field 3, utime
	// 14 and stime 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, errors.New("loadgen: malformed /proc stat")
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 13 {
		return s, errors.New("loadgen: short /proc stat")
	}
	ut, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return s, err
	}
	s.CPU = time.Duration(ut+st) * clockTick

	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for line := range bytes.Lines(status) {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch string(name) {
		case "VmRSS", "VmHWM":
			kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(val), []byte(" kB"))), 10, 64)
			if err != nil {
				return s, err
			}
			if string(name) == "VmRSS" {
				s.RSS = kb << 10
			} else {
				s.PeakRSS = kb << 10
			}
		case "Threads":
			n, err := strconv.Atoi(string(bytes.TrimSpace(val)))
			if err != nil {
				return s, err
			}
			s.Threads = n
		}
	}
	return s, nil
}
