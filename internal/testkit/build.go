package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildMain builds the command of the current directory (the package
// under test, a main package) into a temporary directory, as name, for
// the tests that run it as a child process: a TestMain calls it before
// the tests, and remove after them. The error has go build's output.
func BuildMain(name string) (path string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "otpnet-"+name+"-test")
	if err != nil {
		return "", nil, err
	}
	remove = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		remove()
		return "", nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	return path, remove, nil
}
