package testkit

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// ParseHTML parses a page, or fails t.
func ParseHTML(t testing.TB, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	return doc
}

// HTMLCells returns the text of the cells (td) of class class in the
// table whose id is id, in document order; none if there is no such
// table.
func HTMLCells(doc *html.Node, id, class string) []string {
	table := find(doc, func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == id })
	if table == nil {
		return nil
	}
	var out []string
	walk(table, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "td" && attr(n, "class") == class {
			out = append(out, HTMLText(n))
		}
	})
	return out
}

// HTMLText returns the text in n, trimmed.
func HTMLText(n *html.Node) string {
	var b strings.Builder
	walk(n, func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
	})
	return strings.TrimSpace(b.String())
}

// find returns the first element under n, n included, for which match
// holds.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

// walk calls f for n and every node under it, in document order.
func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
