package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
)

// Alert is OTP's {tls_alert, {Description, Text}}: a TLS alert this end
// sent (a local error: Remote false) or received from its peer (Remote
// true). Description is the alert's name as Erlang's atom spells it
// (unknown_ca, bad_certificate, handshake_failure, certificate_expired,
// certificate_required, protocol_version, no_application_protocol,
// bad_record_mac, record_overflow, ...), Err the error crypto/tls
// returned, which Unwrap gives (a *tls.CertificateVerificationError with
// its x509 error, ...).
//
// A certificate this end refuses is named by why, as OTP names it:
// unknown_ca for an unknown issuer, certificate_expired,
// handshake_failure for a name that does not match (OTP's
// hostname_check_failed), bad_certificate otherwise. crypto/tls itself
// sends the peer bad_certificate for each of these, which is what an
// Erlang peer then receives.
type Alert struct {
	Description string
	Code        uint8
	Remote      bool
	Err         error
}

// Error returns "tls_alert: DESCRIPTION: TEXT", TEXT the error of
// crypto/tls.
func (a *Alert) Error() string {
	return "tls_alert: " + a.Description + ": " + a.Err.Error()
}

// Unwrap returns the error of crypto/tls.
func (a *Alert) Unwrap() error { return a.Err }

// Reason returns the alert's name, Description: what inet.Reason gives
// for an error with an *Alert in its chain.
func (a *Alert) Reason() string { return a.Description }

// alertNames are the alerts' names, Erlang's atoms (ssl_alert.erl).
var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
	48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
	70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
	109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 115: "unknown_psk_identity",
	116: "certificate_required", 120: "no_application_protocol",
}

// alertName names code.
func alertName(code uint8) string {
	if n, ok := alertNames[code]; ok {
		return n
	}
	return "alert_" + strconv.Itoa(int(code))
}

// alertOf returns err as an *Alert when it is one, else err. crypto/tls
// returns an alert as a *net.OpError, "local error" or "remote error",
// around its unexported alert type, a uint8.
func alertOf(err error) error {
	if err == nil {
		return nil
	}
	var a *Alert
	if errors.As(err, &a) {
		return err
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return certAlert(cv.Err, err)
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		// crypto/tls sent the alert and returns the record's fault.
		switch {
		case strings.HasPrefix(rh.Msg, "oversized record"):
			return &Alert{Description: "record_overflow", Code: 22, Err: err}
		case strings.Contains(rh.Msg, "version"), strings.Contains(rh.Msg, "SSLv2"):
			return &Alert{Description: "protocol_version", Code: 70, Err: err}
		}
		return err
	}
	if msg := err.Error(); strings.Contains(msg, "received unexpected handshake message") || strings.Contains(msg, "too many non-advancing records") {
		// crypto/tls sent unexpected_message and returns a plain error:
		// a handshake message out of place, as a client's renegotiation
		// (a ClientHello after the handshake), which it refuses.
		return &Alert{Description: "unexpected_message", Code: 10, Err: err}
	}
	if strings.Contains(err.Error(), "client didn't provide a certificate") {
		// crypto/tls sent certificate_required (bad_certificate in TLS
		// 1.2) and returns a plain error.
		return &Alert{Description: "certificate_required", Code: 116, Err: err}
	}
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return &Alert{Description: alertName(uint8(ae)), Code: uint8(ae), Err: err}
	}
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "local error" || op.Op == "remote error") && op.Err != nil {
		if v := reflect.ValueOf(op.Err); v.Kind() == reflect.Uint8 {
			code := uint8(v.Uint())
			return &Alert{Description: alertName(code), Code: code, Remote: op.Op == "remote error", Err: err}
		}
	}
	return err
}

// certAlert is the alert of a peer's certificate that x509 refused with
// why.
func certAlert(why, err error) *Alert {
	var (
		ua x509.UnknownAuthorityError
		ci x509.CertificateInvalidError
		he x509.HostnameError
	)
	switch {
	case errors.As(why, &ua):
		return &Alert{Description: "unknown_ca", Code: 48, Err: err}
	case errors.As(why, &ci) && ci.Reason == x509.Expired:
		return &Alert{Description: "certificate_expired", Code: 45, Err: err}
	case errors.As(why, &he):
		return &Alert{Description: "handshake_failure", Code: 40, Err: err}
	}
	return &Alert{Description: "bad_certificate", Code: 42, Err: err}
}
