package erltest

// EchoMsg is the i-th message of the interop tests' echo escripts (their
// msg/2): sizes vary, bytes follow a pattern; for line, a line of up to
// 199 letters and its newline, else up to 2999 bytes.
func EchoMsg(line bool, i int) []byte {
	n, base := (i*37)%3000, byte(0)
	if line {
		n, base = i%200, 'a'
	}
	b := make([]byte, n)
	for x := range b {
		b[x] = base + byte((x+1)%26)
	}
	if line {
		b = append(b, '\n')
	}
	return b
}
