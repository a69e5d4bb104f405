package ssl

import (
	"bytes"
	"crypto/tls"
	"reflect"
	"unsafe"
)

// crypto/tls's Conn keeps its input buffers for good once they have
// grown: the records read (rawInput), the application data of the last
// record (input, which aliases rawInput) and the handshake messages
// (hand), reset and never shrunk; after a 16 KiB record they hold tens
// of KiB per connection, idle or not, and crypto/tls has no way to let
// them go. An idle port gives them back through these three unexported
// fields of tls.Conn, which init finds by name and type (reflect) and
// reaches by their offsets (unsafe):
//
//	rawInput bytes.Buffer // raw input, starting with a record header
//	input    bytes.Reader // application data waiting to be read, from rawInput.Next
//	hand     bytes.Buffer // handshake data waiting to be read
//
// If any of them is missing or has another type (a Go release that
// changed tls.Conn), tlsFields.ok is false and the buffers stay
// crypto/tls's, as they were: nothing breaks, an idle connection only
// costs more. TestTLSFields fails then, so that it is seen.
//
// The fields are touched only where the port's layer has tls.Conn to
// itself: under the port's lock, after Input or Seal (Done), when no
// Read or Write of crypto/tls runs; the send side needs nothing
// (crypto/tls's sendBuf is nil after the handshake, and its record
// buffer is pooled per process).
var tlsFields = findTLSFields()

// tlsFieldOffsets are the offsets of tls.Conn's input buffers, if ok.
type tlsFieldOffsets struct {
	ok                    bool
	rawInput, input, hand uintptr
}

func findTLSFields() tlsFieldOffsets {
	t := reflect.TypeFor[tls.Conn]()
	off := func(name string, typ reflect.Type) (uintptr, bool) {
		f, ok := t.FieldByName(name)
		if !ok || f.Type != typ || len(f.Index) != 1 {
			return 0, false
		}
		return f.Offset, true
	}
	var o tlsFieldOffsets
	var ok1, ok2, ok3 bool
	o.rawInput, ok1 = off("rawInput", reflect.TypeFor[bytes.Buffer]())
	o.input, ok2 = off("input", reflect.TypeFor[bytes.Reader]())
	o.hand, ok3 = off("hand", reflect.TypeFor[bytes.Buffer]())
	o.ok = ok1 && ok2 && ok3
	return o
}

// tlsBuffers are pointers to a tls.Conn's input buffers.
type tlsBuffers struct {
	rawInput *bytes.Buffer
	input    *bytes.Reader
	hand     *bytes.Buffer
}

// buffersOf returns c's input buffers; ok is false when tlsFields did
// not find them.
func buffersOf(c *tls.Conn) (b tlsBuffers, ok bool) {
	if !tlsFields.ok || c == nil {
		return b, false
	}
	p := unsafe.Pointer(c)
	return tlsBuffers{
		rawInput: (*bytes.Buffer)(unsafe.Add(p, tlsFields.rawInput)),
		input:    (*bytes.Reader)(unsafe.Add(p, tlsFields.input)),
		hand:     (*bytes.Buffer)(unsafe.Add(p, tlsFields.hand)),
	}, true
}

// lendRecordBuf gives c's empty record buffer (rawInput) a buffer of
// bufs for the records of n wire bytes, so that crypto/tls does not
// allocate one for each Input; releaseTLSBuffers takes it back. The
// caller has c to itself.
func lendRecordBuf(c *tls.Conn, n int) {
	b, ok := buffersOf(c)
	if !ok || b.rawInput.Cap() > 0 {
		return
	}
	*b.rawInput = *bytes.NewBuffer(getBuf(min(n, maxRecord) + bytes.MinRead))
}

// maxRecord is the largest TLS record on the wire: a 5-byte header and
// TLS 1.2's largest ciphertext, 2^14 + 2048 bytes.
const maxRecord = 5 + 16<<10 + 2048

// releaseTLSBuffers lets c's input buffers go when they hold nothing (no
// partial record, no data or handshake message left to read): the
// record buffer back to bufs, the others to the GC. A partial record
// keeps its buffer, which crypto/tls sized for the whole record. The
// caller has c to itself.
func releaseTLSBuffers(c *tls.Conn) {
	b, ok := buffersOf(c)
	if !ok {
		return
	}
	if b.input.Len() == 0 {
		// It aliases rawInput's buffer, which goes back to bufs.
		b.input.Reset(nil)
	} else {
		return
	}
	if b.rawInput.Len() == 0 {
		b.rawInput.Reset()
		putBuf(b.rawInput.Bytes())
		*b.rawInput = bytes.Buffer{}
	}
	if b.hand.Len() == 0 {
		*b.hand = bytes.Buffer{}
	}
}

// tlsHeld returns the capacity of each input buffer c holds, for the
// tests: rawInput, input's and hand's.
func tlsHeld(c *tls.Conn) (rawInput, input, hand int) {
	b, ok := buffersOf(c)
	if !ok {
		return -1, -1, -1
	}
	in := b.input.Size() // the length of the slice it reads, read or not
	return b.rawInput.Cap(), int(in), b.hand.Cap()
}
