// Command wildcat-example lists a Wildcat gateway's accounts and follows one account's messages,
// over gRPC (HTTP/2 cleartext) or Connect, with the generated client in gen/go.
//
//	WILDCAT_KEY=wck_… go run ./examples/go -url http://localhost:8080 -protocol grpc -account myaccount
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"

	"connectrpc.com/connect"

	wildcatv1 "wildcat/gen/go/wildcat/v1"
	"wildcat/gen/go/wildcat/v1/wildcatv1connect"
)

func main() {
	url := flag.String("url", "http://localhost:8080", "gateway base URL")
	protocol := flag.String("protocol", "grpc", "grpc (HTTP/2 cleartext) or connect (HTTP/1.1 JSON)")
	account := flag.String("account", "", "stream this account's messages (Ctrl-C ends)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	httpClient, opts := transport(*protocol)
	opts = append(opts, connect.WithInterceptors(bearer(os.Getenv("WILDCAT_KEY"))))
	accounts := wildcatv1connect.NewAccountServiceClient(httpClient, *url, opts...)
	messages := wildcatv1connect.NewMessageServiceClient(httpClient, *url, opts...)

	list, err := accounts.ListAccounts(ctx, connect.NewRequest(&wildcatv1.ListAccountsRequest{PageSize: 100}))
	if err != nil {
		log.Fatalf("ListAccounts: %v (code %s)", err, connect.CodeOf(err))
	}
	for _, a := range list.Msg.GetAccounts() {
		fmt.Printf("%s\t%s\t%s\n", a.GetAccountId(), a.GetState(), a.GetOwnJid().GetPnJid())
	}
	if *account == "" {
		return
	}
	stream, err := messages.StreamMessages(ctx, connect.NewRequest(&wildcatv1.StreamMessagesRequest{
		AccountIds: []string{*account},
		Start:      wildcatv1.StreamStart_STREAM_START_NOW,
	}))
	if err != nil {
		log.Fatalf("StreamMessages: %v", err)
	}
	for stream.Receive() {
		ev := stream.Msg().GetEvent()
		if m := ev.GetMessage(); m != nil {
			fmt.Printf("%s %s %s: %q\n", ev.GetCursor(), ev.GetType(), m.GetFrom().GetJid(), m.GetText())
		} else {
			fmt.Printf("%s %s\n", ev.GetCursor(), ev.GetType())
		}
	}
	if err := stream.Err(); err != nil && ctx.Err() == nil {
		log.Fatalf("StreamMessages ended: %v", err)
	}
}

// transport returns the HTTP client and options for a protocol: gRPC needs HTTP/2, here without
// TLS (h2c, "prior knowledge"); Connect works on plain HTTP/1.1.
func transport(protocol string) (*http.Client, []connect.ClientOption) {
	switch protocol {
	case "grpc":
		return H2CClient(), []connect.ClientOption{connect.WithGRPC()}
	case "connect":
		return http.DefaultClient, []connect.ClientOption{connect.WithProtoJSON()}
	default:
		log.Fatalf("-protocol: %q is neither grpc nor connect", protocol)
		return nil, nil
	}
}

// H2CClient speaks HTTP/2 without TLS, as the gateway's one port accepts.
func H2CClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}}
}

// bearer sends `authorization: Bearer <key>` on every call, unary and streaming.
func bearer(key string) connect.Interceptor { return bearerInterceptor(key) }

type bearerInterceptor string

func (k bearerInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if k != "" {
			req.Header().Set("Authorization", "Bearer "+string(k))
		}
		return next(ctx, req)
	}
}

func (k bearerInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		if k != "" {
			conn.RequestHeader().Set("Authorization", "Bearer "+string(k))
		}
		return conn
	}
}

func (bearerInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
