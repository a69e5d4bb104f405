// Package test holds otpnet's end-to-end tests: whole servers against real
// clients, interop with real Erlang peers, and the benchmark harness.
package test
