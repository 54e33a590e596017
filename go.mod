// The Go client: generated code in gen/go (buf generate), an example in examples/go and the
// client test in test/clients/go. The rest of the repository is TypeScript.
module wildcat

go 1.25

ignore (
	./data
	./dist
	./node_modules
)

require (
	connectrpc.com/connect v1.19.1
	google.golang.org/protobuf v1.36.11
)
