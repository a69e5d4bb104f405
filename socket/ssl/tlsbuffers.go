package ssl

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
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
// What the port does with them is right only for the crypto/tls it was
// audited against (Go 1.26: readRecordOrCCS, readFromUntil, Read), so
// init also compares a fingerprint of all of tls.Conn's fields, names
// and types in order, with auditedTLSConn. If any of the three is
// missing or has another type, or the fingerprint differs (a Go release
// that changed tls.Conn), tlsFields.ok is false and the buffers stay
// crypto/tls's, as they were: nothing breaks, an idle connection only
// costs more. TestTLSFields fails then, so that it is seen.
//
// The fields are touched only where the port's layer has tls.Conn to
// itself: under the port's lock, before Input (lendRecordBuf), between
// its Reads (moreToRead, which only reads their lengths) and in Done,
// when no Read or Write of crypto/tls runs; the send side needs
// nothing (crypto/tls's sendBuf is nil after the handshake, and its
// record buffer is pooled per process).
var tlsFields = findTLSFields()

// auditedTLSConn is tlsConnFingerprint of the tls.Conn this file was
// audited against (Go 1.26). When a Go release changes tls.Conn's
// fields, re-audit how crypto/tls uses rawInput, input and hand (conn.go:
// readRecordOrCCS, readFromUntil, Read, handleKeyUpdate) against
// lendRecordBuf and releaseTLSBuffers, then set this to the new
// fingerprint, which TestTLSFields prints.
const auditedTLSConn = "a112d0313569ae44fdc1f4165b769df8f200bc226dbc2e49afa22a9b58d00e1c"

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
	fp, _ := tlsConnFingerprint()
	o.ok = ok1 && ok2 && ok3 && fp == auditedTLSConn
	return o
}

// tlsConnFingerprint returns the SHA-256, in hex, of fields: tls.Conn's
// fields, one "name type" line each, in order.
func tlsConnFingerprint() (sum, fields string) {
	t := reflect.TypeFor[tls.Conn]()
	var b strings.Builder
	for i := range t.NumField() {
		f := t.Field(i)
		fmt.Fprintf(&b, "%s %s\n", f.Name, f.Type)
	}
	h := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(h[:]), b.String()
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

// lendRecordBuf gives c's record buffer (rawInput) one of recordBufs,
// so that crypto/tls does not allocate one for each Input; a partial
// record that releaseTLSBuffers kept in a buffer of its size is copied
// into it. releaseTLSBuffers takes it back. The caller has c to itself.
func lendRecordBuf(c *tls.Conn) {
	b, ok := buffersOf(c)
	if !ok || b.rawInput.Cap() >= recordBufSize {
		return // a record buffer already, or crypto/tls's larger one
	}
	// What rawInput held goes to the GC: the right-sized copy of a
	// partial record, or crypto/tls's own buffer of the handshake, which
	// input may still alias.
	*b.rawInput = *bytes.NewBuffer(append(getRecordBuf(), b.rawInput.Bytes()...))
}

// moreToRead reports whether a Read of c, once wire has no bytes left,
// may answer more than wire's errWouldBlock: c holds decrypted data not
// yet read (input), or at least a record header (rawInput), whose record
// may be whole, or whose header crypto/tls may refuse (a record too
// large), or a close_notify. Holding neither, a Read would only run
// readRecord to find wire empty (and allocate readFromUntil's reader),
// so Input stops before it: the common end of a read, at a record's end.
// (A post-handshake message that a record completed has been handled by
// the Read that took the record: Read runs handlePostHandshakeMessage
// while hand holds a whole one.) True when tlsFields did not find the
// fields. The caller has c to itself.
func moreToRead(c *tls.Conn) bool {
	b, ok := buffersOf(c)
	return !ok || b.input.Len() > 0 || b.rawInput.Len() >= recordHeaderLen
}

// recordHeaderLen is a TLS record header's length (crypto/tls's).
const recordHeaderLen = 5

// maxRecord is the largest TLS record on the wire: a 5-byte header and
// TLS 1.2's largest ciphertext, 2^14 + 2048 bytes (crypto/tls's
// recordHeaderLen + maxCiphertext).
const maxRecord = recordHeaderLen + 16<<10 + 2048

// recordBufSize is the capacity of a record buffer. crypto/tls's
// readFromUntil grows rawInput by what a record lacks plus
// bytes.MinRead; wire's Read fills the buffer, so a read of several
// records leaves the last one cut at its end, and bytes.Buffer slides
// that partial record down, rather than allocating a larger buffer,
// only when the record and MinRead fit in half the buffer: twice the
// largest record and MinRead never grows. (maxRecord + MinRead alone
// took any one record, but crypto/tls replaced it with a buffer of its
// own on most reads of a stream: 4% more bytes allocated per 256 KiB
// message.)
const recordBufSize = 2 * (maxRecord + bytes.MinRead)

// recordBufs are the record buffers lent to crypto/tls, all of
// recordBufSize, apart from bufs: a record buffer an idle port keeps for
// a partial record is never one of bufs' grown plaintext buffers.
var recordBufs bufPool

// getRecordBuf returns an empty record buffer.
func getRecordBuf() []byte {
	if b := recordBufs.get(); b != nil {
		return b
	}
	return make([]byte, 0, recordBufSize)
}

// putRecordBuf gives b back: to recordBufs if it is a record buffer, else
// (crypto/tls grew its own) to bufs.
func putRecordBuf(b []byte) {
	if cap(b) == recordBufSize {
		recordBufs.put(b)
	} else {
		putBuf(b)
	}
}

// releaseTLSBuffers lets c's input buffers go when they hold nothing (no
// data or handshake message left to read): the record buffer back to
// recordBufs, the others to the GC. A partial record in a buffer more
// than partialSlack times its size (a peer that sent a few bytes of a
// record and stopped) is copied into a buffer of its own size, and the
// buffer goes back all the same; lendRecordBuf lends one again when more
// comes. The caller has c to itself.
func releaseTLSBuffers(c *tls.Conn) {
	b, ok := buffersOf(c)
	if !ok || b.input.Len() != 0 {
		return
	}
	// input aliases rawInput's buffer, which goes back to recordBufs.
	b.input.Reset(nil)
	if b.hand.Len() == 0 {
		*b.hand = bytes.Buffer{}
	}
	n := b.rawInput.Len()
	if n > 0 && b.rawInput.Cap() <= partialSlack*n {
		return
	}
	var partial []byte
	if n > 0 {
		partial = bytes.Clone(b.rawInput.Bytes())
	}
	b.rawInput.Reset()
	putRecordBuf(b.rawInput.Bytes())
	*b.rawInput = *bytes.NewBuffer(partial) // empty when partial is nil
}

// partialSlack bounds the buffer an idle port keeps for a partial record
// to this many times the record's bytes it holds: more, and
// releaseTLSBuffers copies them out. While records stream in, a read
// that ends with less than a quarter of a record buffer of a record pays
// for it with a small allocation and two copies of those bytes (out,
// then into the next record buffer), next to the decryption of the read.
const partialSlack = 4

// tlsHeld returns the capacity of each input buffer c holds, for the
// tests: rawInput, input's and hand's, and the bytes of a partial record
// in rawInput.
func tlsHeld(c *tls.Conn) (rawInput, input, hand, partial int) {
	b, ok := buffersOf(c)
	if !ok {
		return -1, -1, -1, -1
	}
	in := b.input.Size() // the length of the slice it reads, read or not
	return b.rawInput.Cap(), int(in), b.hand.Cap(), b.rawInput.Len()
}
