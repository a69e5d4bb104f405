// Package chatpb holds the protobuf messages that chat nodes exchange
// through protoactor's remote: Join, Joined, Leave, Say and Said. The
// generated chat.pb.go is committed, so that building needs no protoc.
package chatpb

// chat.proto imports protoactor's actor.proto (for actor.PID); protoc
// 3.21 (Debian's protobuf-compiler) and protoc-gen-go v1.33.0, the
// google.golang.org/protobuf version of go.mod, made chat.pb.go:
//go:generate sh -c "protoc -I=$(go list -m -f '{{.Dir}}' github.com/asynkron/protoactor-go)/actor --proto_path=. --go_out=. --go_opt=paths=source_relative chat.proto"
