package framing

// A Method is an HTTP request method. The seven methods that OTP knows
// (Erlang atoms such as 'GET') are the constants below; any other method is
// its text as sent (an Erlang string), e.g. Method("PATCH"). OTP matches
// methods case-sensitively, so "get" is not MethodGet.
type Method string

// The methods OTP decodes to atoms, in the order of its table.
const (
	MethodOptions Method = "OPTIONS"
	MethodGet     Method = "GET"
	MethodHead    Method = "HEAD"
	MethodPost    Method = "POST"
	MethodPut     Method = "PUT"
	MethodDelete  Method = "DELETE"
	MethodTrace   Method = "TRACE"
)

// Known reports whether m is one of the seven methods OTP knows, which
// Erlang gives as atoms.
func (m Method) Known() bool {
	switch m {
	case MethodOptions, MethodGet, MethodHead, MethodPost, MethodPut, MethodDelete, MethodTrace:
		return true
	}
	return false
}

// method returns the Method for s, a method token: a constant for a known
// method, so that it keeps no reference to the line.
func method(s string) Method {
	switch m := Method(s); m {
	case MethodOptions, MethodGet, MethodHead, MethodPost, MethodPut, MethodDelete, MethodTrace:
		return m
	}
	return Method(s)
}

// A Field is a header field name in OTP's normal form: the first letter and
// each letter after a '-' in upper case, the others in lower case. The 52
// fields of OTP's header table are the constants below, which Erlang gives
// as atoms such as 'Content-Length'; any other field is a string.
type Field string

// The 52 fields of OTP's header table (http_hdr_strings in packet_parser.c),
// in its order: a field's HTTPHeader.Bit is its position here plus one.
const (
	FieldCacheControl       Field = "Cache-Control"
	FieldConnection         Field = "Connection"
	FieldDate               Field = "Date"
	FieldPragma             Field = "Pragma"
	FieldTransferEncoding   Field = "Transfer-Encoding"
	FieldUpgrade            Field = "Upgrade"
	FieldVia                Field = "Via"
	FieldAccept             Field = "Accept"
	FieldAcceptCharset      Field = "Accept-Charset"
	FieldAcceptEncoding     Field = "Accept-Encoding"
	FieldAcceptLanguage     Field = "Accept-Language"
	FieldAuthorization      Field = "Authorization"
	FieldFrom               Field = "From"
	FieldHost               Field = "Host"
	FieldIfModifiedSince    Field = "If-Modified-Since"
	FieldIfMatch            Field = "If-Match"
	FieldIfNoneMatch        Field = "If-None-Match"
	FieldIfRange            Field = "If-Range"
	FieldIfUnmodifiedSince  Field = "If-Unmodified-Since"
	FieldMaxForwards        Field = "Max-Forwards"
	FieldProxyAuthorization Field = "Proxy-Authorization"
	FieldRange              Field = "Range"
	FieldReferer            Field = "Referer"
	FieldUserAgent          Field = "User-Agent"
	FieldAge                Field = "Age"
	FieldLocation           Field = "Location"
	FieldProxyAuthenticate  Field = "Proxy-Authenticate"
	FieldPublic             Field = "Public"
	FieldRetryAfter         Field = "Retry-After"
	FieldServer             Field = "Server"
	FieldVary               Field = "Vary"
	FieldWarning            Field = "Warning"
	FieldWwwAuthenticate    Field = "Www-Authenticate"
	FieldAllow              Field = "Allow"
	FieldContentBase        Field = "Content-Base"
	FieldContentEncoding    Field = "Content-Encoding"
	FieldContentLanguage    Field = "Content-Language"
	FieldContentLength      Field = "Content-Length"
	FieldContentLocation    Field = "Content-Location"
	FieldContentMd5         Field = "Content-Md5"
	FieldContentRange       Field = "Content-Range"
	FieldContentType        Field = "Content-Type"
	FieldEtag               Field = "Etag"
	FieldExpires            Field = "Expires"
	FieldLastModified       Field = "Last-Modified"
	FieldAcceptRanges       Field = "Accept-Ranges"
	FieldSetCookie          Field = "Set-Cookie"
	FieldSetCookie2         Field = "Set-Cookie2"
	FieldXForwardedFor      Field = "X-Forwarded-For"
	FieldCookie             Field = "Cookie"
	FieldKeepAlive          Field = "Keep-Alive"
	FieldProxyConnection    Field = "Proxy-Connection"
)

// fields is OTP's header table, in order.
var fields = [...]Field{
	FieldCacheControl, FieldConnection, FieldDate, FieldPragma,
	FieldTransferEncoding, FieldUpgrade, FieldVia, FieldAccept,
	FieldAcceptCharset, FieldAcceptEncoding, FieldAcceptLanguage,
	FieldAuthorization, FieldFrom, FieldHost, FieldIfModifiedSince,
	FieldIfMatch, FieldIfNoneMatch, FieldIfRange, FieldIfUnmodifiedSince,
	FieldMaxForwards, FieldProxyAuthorization, FieldRange, FieldReferer,
	FieldUserAgent, FieldAge, FieldLocation, FieldProxyAuthenticate,
	FieldPublic, FieldRetryAfter, FieldServer, FieldVary, FieldWarning,
	FieldWwwAuthenticate, FieldAllow, FieldContentBase, FieldContentEncoding,
	FieldContentLanguage, FieldContentLength, FieldContentLocation,
	FieldContentMd5, FieldContentRange, FieldContentType, FieldEtag,
	FieldExpires, FieldLastModified, FieldAcceptRanges, FieldSetCookie,
	FieldSetCookie2, FieldXForwardedFor, FieldCookie, FieldKeepAlive,
	FieldProxyConnection,
}

// fieldBits maps a normal-form field name to its Bit.
var fieldBits = func() map[string]int {
	m := make(map[string]int, len(fields))
	for i, f := range fields {
		m[string(f)] = i + 1
	}
	return m
}()

// Bit returns f's position in OTP's header table plus one, or 0 when f is
// not in the table: the Bit of an HTTPHeader with this field.
func (f Field) Bit() int { return fieldBits[string(f)] }

// Known reports whether f is in OTP's header table, which Erlang gives as
// an atom.
func (f Field) Known() bool { return f.Bit() != 0 }
