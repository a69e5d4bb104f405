package main

import (
	"bytes"
	"errors"
	"fmt"
)

// command is a parsed client line.
type command struct {
	verb string // JOIN, SAY, LEAVE, NICK or WHERE
	arg  string // the room, or the nick
	text string // SAY's text
}

// maxName bounds a room's name and a nick.
const maxName = 64

var errEmpty = errors.New("empty line")

// parse reads one client line (its "\n", and a "\r" before it, are
// dropped): "JOIN room", "SAY room text", "LEAVE room", "NICK name",
// "WHERE room". A verb is upper or lower case; a room or a nick is one
// word of at most maxName bytes; SAY's text is the rest of the line, and
// may be empty. A bad line gets an error that names what is wrong.
func parse(line []byte) (command, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(bytes.TrimSpace(line)) == 0 {
		return command{}, errEmpty
	}
	verb, rest, _ := bytes.Cut(line, []byte(" "))
	c := command{verb: string(bytes.ToUpper(verb))}
	switch c.verb {
	case "JOIN", "LEAVE", "NICK", "WHERE":
		if bytes.ContainsAny(rest, " \t") {
			return command{}, fmt.Errorf("%s takes one word, got %q", c.verb, rest)
		}
		c.arg = string(rest)
	case "SAY":
		room, text, _ := bytes.Cut(rest, []byte(" "))
		c.arg, c.text = string(room), string(text)
	default:
		return command{}, fmt.Errorf("unknown command %q (JOIN, SAY, LEAVE, NICK, WHERE)", verb)
	}
	what := "room"
	if c.verb == "NICK" {
		what = "nick"
	}
	switch {
	case c.arg == "":
		return command{}, fmt.Errorf("%s: missing %s", c.verb, what)
	case len(c.arg) > maxName:
		return command{}, fmt.Errorf("%s: %s longer than %d bytes", c.verb, what, maxName)
	}
	return c, nil
}
