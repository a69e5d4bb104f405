package framing

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func scan(t *testing.T, d *Decoder, in string) ([]string, error) {
	t.Helper()
	// One byte per Read, so that the split function sees every partial packet.
	sc := bufio.NewScanner(iotest.OneByteReader(strings.NewReader(in)))
	sc.Split(d.Split)
	var tokens []string
	for sc.Scan() {
		tokens = append(tokens, sc.Text())
	}
	return tokens, sc.Err()
}

func TestSplit(t *testing.T) {
	tests := []struct {
		typ     Type
		in      string
		want    []string
		wantErr error
	}{
		{Two, "\x00\x02hi\x00\x00\x00\x05hello", []string{"hi", "", "hello"}, nil},
		{Line, "one\ntwo\n", []string{"one\n", "two\n"}, nil},
		{HTTPH, "A: 1\r\nB: 2\r\n\r\n", []string{"A: 1\r\n", "B: 2\r\n", "\r\n"}, nil},
		{Line, "one\ntw", []string{"one\n"}, io.ErrUnexpectedEOF},
		{Four, "\x00\x00\x00\x05abc", nil, io.ErrUnexpectedEOF},
		{TPKT, "\x03\x00\x00\x05a\x07\x00\x00\x04", []string{"\x03\x00\x00\x05a"}, ErrInvalid},
		{Four, "", nil, nil},
	}
	for _, tt := range tests {
		d, err := New(tt.typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := scan(t, d, tt.in)
		if !reflect.DeepEqual(got, tt.want) || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s %q: tokens %q, error %v; want %q, %v", tt.typ, tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
