package benchecho

import (
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// pin pins every thread of this process, and so the threads they start,
// to one CPU, when there are two or more.
func pin(cpu int) {
	if runtime.NumCPU() < 2 {
		return
	}
	var set unix.CPUSet
	set.Set(cpu)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t.Name())
		unix.SchedSetaffinity(tid, &set) // a thread may have exited
	}
}
