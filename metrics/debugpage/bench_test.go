package debugpage

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/otpnet/otpnet/internal/echotest"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// BenchmarkPage renders the page, sorted each way, with 5000 connections
// open: a page shows 50 of them.
func BenchmarkPage(b *testing.B) {
	sys, l := echotest.Start(b, ranch.ListenerOptions{MaxConnections: ranch.Unlimited})
	echotest.Clients(b, l.Addr().String(), 5000, 1)
	h := Handler(Options{System: sys, Listeners: map[string]*ranch.Listener{"web": l}})
	for _, sort := range []string{"port", "queued", "age"} {
		b.Run("sort="+sort, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/?sort="+sort+"&page=3", nil))
				if rec.Code != 200 {
					body, _ := io.ReadAll(rec.Body)
					b.Fatalf("%d %s", rec.Code, body)
				}
			}
		})
	}
}
