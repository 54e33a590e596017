// The Go client against a live sandbox gateway: test/clients/go.test.ts starts `src/sandbox.ts`
// and runs this with WILDCAT_URL and WILDCAT_KEY. Each protocol links its own account by having a
// simulated phone scan the QR code from WatchAccount, then streams a contact's message and answers.
package clients_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"connectrpc.com/connect"

	wildcatv1 "wildcat/gen/go/wildcat/v1"
	"wildcat/gen/go/wildcat/v1/wildcatv1connect"
)

type bearer string

func (k bearer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", "Bearer "+string(k))
		return next(ctx, req)
	}
}

func (k bearer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", "Bearer "+string(k))
		return conn
	}
}

func (bearer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func h2c() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}}
}

func TestLinkAndStream(t *testing.T) {
	base, key := os.Getenv("WILDCAT_URL"), os.Getenv("WILDCAT_KEY")
	if base == "" {
		t.Fatal("WILDCAT_URL is not set: run this through test/clients/go.test.ts (npm run test:clients), which starts a sandbox gateway")
	}
	cases := []struct {
		name   string
		client *http.Client
		opts   []connect.ClientOption
		phone  string
	}{
		{"grpc-h2c", h2c(), []connect.ClientOption{connect.WithGRPC()}, "+15554300001"},
		{"connect-json", http.DefaultClient, []connect.ClientOption{connect.WithProtoJSON()}, "+15554300002"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			opts := append(c.opts, connect.WithInterceptors(bearer(key)))
			accounts := wildcatv1connect.NewAccountServiceClient(c.client, base, opts...)
			messages := wildcatv1connect.NewMessageServiceClient(c.client, base, opts...)
			sandbox := wildcatv1connect.NewSandboxServiceClient(c.client, base, opts...)
			accountID := fmt.Sprintf("go-%s-%d", c.name, time.Now().UnixNano())
			contact := "+1555440" + c.phone[len(c.phone)-4:]

			if _, err := accounts.CreateAccount(ctx, connect.NewRequest(&wildcatv1.CreateAccountRequest{AccountId: accountID})); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			watch, err := accounts.WatchAccount(ctx, connect.NewRequest(&wildcatv1.WatchAccountRequest{AccountId: accountID}))
			if err != nil {
				t.Fatalf("WatchAccount: %v", err)
			}
			defer watch.Close()
			// The first snapshot arrives before we connect, so the stream is open when QR codes come.
			if !watch.Receive() {
				t.Fatalf("WatchAccount ended before its first snapshot: %v", watch.Err())
			}
			if _, err := accounts.ConnectAccount(ctx, connect.NewRequest(&wildcatv1.ConnectAccountRequest{AccountId: accountID})); err != nil {
				t.Fatalf("ConnectAccount: %v", err)
			}
			linked := false
			var own string
			for watch.Receive() {
				snap := watch.Msg()
				if qr := snap.GetQrCode(); qr != nil && !linked {
					if len(qr.GetPng()) == 0 {
						t.Errorf("QR code %q has no PNG", qr.GetCode())
					}
					if _, err := sandbox.LinkDevice(ctx, connect.NewRequest(&wildcatv1.LinkDeviceRequest{QrCode: qr.GetCode(), PhoneNumber: c.phone})); err != nil {
						t.Fatalf("LinkDevice: %v", err)
					}
					linked = true
				}
				if snap.GetAccount().GetState() == wildcatv1.AccountState_ACCOUNT_STATE_CONNECTED {
					own = snap.GetAccount().GetOwnJid().GetPnJid()
					break
				}
			}
			if own == "" {
				t.Fatalf("account never CONNECTED: %v", watch.Err())
			}
			if want := c.phone[1:] + "@s.whatsapp.net"; own != want {
				t.Fatalf("own JID %q, want %q", own, want)
			}

			hello := "hello from a contact to " + c.name
			if _, err := sandbox.SendFromContact(ctx, connect.NewRequest(&wildcatv1.SendFromContactRequest{FromPhoneNumber: contact, ToJid: own, Text: hello})); err != nil {
				t.Fatalf("SendFromContact: %v", err)
			}
			// From the oldest retained event (this new account's log holds only its own events), so the
			// message is there although it was sent before the stream opened. connect-go returns from
			// a server-streaming call once the server's first response arrives.
			stream, err := messages.StreamMessages(ctx, connect.NewRequest(&wildcatv1.StreamMessagesRequest{
				AccountIds: []string{accountID},
				EventTypes: []wildcatv1.EventType{wildcatv1.EventType_EVENT_TYPE_MESSAGE_RECEIVED, wildcatv1.EventType_EVENT_TYPE_MESSAGE_SENT},
				Start:      wildcatv1.StreamStart_STREAM_START_OLDEST,
			}))
			if err != nil {
				t.Fatalf("StreamMessages: %v", err)
			}
			defer stream.Close()
			received, replied := false, ""
			var lastCursor string
			for !received || replied == "" {
				if !stream.Receive() {
					t.Fatalf("StreamMessages ended: %v", stream.Err())
				}
				ev := stream.Msg().GetEvent()
				if ev.GetCursor() == "" || ev.GetCursor() == lastCursor {
					t.Fatalf("event without a new cursor: %v", ev)
				}
				lastCursor = ev.GetCursor()
				m := ev.GetMessage()
				switch {
				case ev.GetType() == wildcatv1.EventType_EVENT_TYPE_MESSAGE_RECEIVED && m.GetText() == hello:
					if m.GetFromMe() || m.GetChat().GetPnJid() != contact[1:]+"@s.whatsapp.net" {
						t.Fatalf("received message has the wrong chat or direction: %v", m)
					}
					received = true
					sent, err := messages.SendMessage(ctx, connect.NewRequest(&wildcatv1.SendMessageRequest{
						AccountId: accountID,
						To:        contact,
						Content:   &wildcatv1.SendMessageRequest_Text{Text: &wildcatv1.TextContent{Body: "answer over " + c.name}},
					}))
					if err != nil {
						t.Fatalf("SendMessage: %v", err)
					}
					replied = sent.Msg.GetMessage().GetMessageId()
				case ev.GetType() == wildcatv1.EventType_EVENT_TYPE_MESSAGE_SENT && replied != "" && m.GetMessageId() == replied:
					if !m.GetFromMe() || m.GetText() != "answer over "+c.name {
						t.Fatalf("sent message event is not ours: %v", m)
					}
					return
				}
			}
			// The reply's own event must follow on the same stream.
			for stream.Receive() {
				ev := stream.Msg().GetEvent()
				if ev.GetType() == wildcatv1.EventType_EVENT_TYPE_MESSAGE_SENT && ev.GetMessage().GetMessageId() == replied {
					return
				}
			}
			t.Fatalf("no EVENT_TYPE_MESSAGE_SENT for the reply %s: %v", replied, stream.Err())
		})
	}
}
