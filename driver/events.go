package driver

// Readiness events, as a backend reports them to its poller. Their values
// are epoll's (EPOLLIN, ...), so that the epoll backend hands the kernel's
// events on as they are; the portable backend makes the same bits
// (TestEventsAreEpolls checks them on Linux).
const (
	evIn    uint32 = 0x1     // readable: data, a connection to accept, EOF
	evOut   uint32 = 0x4     // writable, or a connect has ended
	evErr   uint32 = 0x8     // an error is pending
	evHup   uint32 = 0x10    // hung up
	evRdHup uint32 = 0x2000  // the peer shut down writing
	evET    uint32 = 1 << 31 // edge-triggered (epoll's interest only)
)
