package test

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind: the
// load generator's, the child servers' pipes. (A child serving the stdlib
// echo never gets here: init serves and exits.)
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
