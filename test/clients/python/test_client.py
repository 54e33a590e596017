"""The Python gRPC client (gen/python, Debian's python3-grpcio) against a live sandbox gateway.

test/clients/clients.test.ts starts `src/sandbox.ts` and runs this with WILDCAT_URL and
WILDCAT_KEY: an account is linked by a simulated phone that scans the QR code from WatchAccount,
a contact writes, StreamMessages delivers it, and the account answers.
"""

import os
import sys
import time
import unittest
from urllib.parse import urlparse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "gen", "python"))

import grpc  # noqa: E402  (Debian's python3-grpcio)

from wildcat.v1 import account_pb2, account_service_pb2, account_service_pb2_grpc  # noqa: E402
from wildcat.v1 import event_pb2, message_pb2, message_service_pb2, message_service_pb2_grpc  # noqa: E402
from wildcat.v1 import sandbox_service_pb2, sandbox_service_pb2_grpc  # noqa: E402

TIMEOUT_S = 90


class LinkAndStream(unittest.TestCase):
    def setUp(self):
        url = os.environ.get("WILDCAT_URL")
        if not url:
            self.fail("WILDCAT_URL is not set: run this through test/clients/clients.test.ts (npm run test:clients)")
        self.metadata = [("authorization", "Bearer " + os.environ.get("WILDCAT_KEY", ""))]
        self.channel = grpc.insecure_channel(urlparse(url).netloc)
        self.accounts = account_service_pb2_grpc.AccountServiceStub(self.channel)
        self.messages = message_service_pb2_grpc.MessageServiceStub(self.channel)
        self.sandbox = sandbox_service_pb2_grpc.SandboxServiceStub(self.channel)

    def tearDown(self):
        self.channel.close()

    def test_links_an_account_and_streams_a_contacts_message(self):
        account_id = "py-%d" % time.time_ns()
        phone, contact = "+15554500001", "+15554500002"
        self.accounts.CreateAccount(account_service_pb2.CreateAccountRequest(account_id=account_id), metadata=self.metadata, timeout=TIMEOUT_S)

        watch = self.accounts.WatchAccount(account_service_pb2.WatchAccountRequest(account_id=account_id), metadata=self.metadata, timeout=TIMEOUT_S)
        try:
            first = next(watch)  # the stream is open before any QR code can exist
            self.assertEqual(first.account.account_id, account_id)
            self.accounts.ConnectAccount(account_service_pb2.ConnectAccountRequest(account_id=account_id), metadata=self.metadata, timeout=TIMEOUT_S)
            linked, own = False, ""
            for snap in watch:
                if snap.HasField("qr_code") and not linked:
                    self.assertTrue(snap.qr_code.png.startswith(b"\x89PNG"), "the QR code comes as a PNG")
                    self.sandbox.LinkDevice(sandbox_service_pb2.LinkDeviceRequest(qr_code=snap.qr_code.code, phone_number=phone), metadata=self.metadata, timeout=TIMEOUT_S)
                    linked = True
                if snap.account.state == account_pb2.ACCOUNT_STATE_CONNECTED:
                    own = snap.account.own_jid.pn_jid
                    break
        finally:
            watch.cancel()
        self.assertEqual(own, phone[1:] + "@s.whatsapp.net")

        stream = self.messages.StreamMessages(
            message_service_pb2.StreamMessagesRequest(
                account_ids=[account_id],
                event_types=[event_pb2.EVENT_TYPE_MESSAGE_RECEIVED, event_pb2.EVENT_TYPE_MESSAGE_SENT],
                start=message_service_pb2.STREAM_START_OLDEST,
            ),
            metadata=self.metadata,
            timeout=TIMEOUT_S,
        )
        hello = "hello from a contact to python"
        try:
            self.sandbox.SendFromContact(sandbox_service_pb2.SendFromContactRequest(from_phone_number=contact, to_jid=own, text=hello), metadata=self.metadata, timeout=TIMEOUT_S)
            reply_id = None
            for res in stream:
                ev = res.event
                self.assertTrue(ev.cursor, "every event carries a cursor")
                if ev.type == event_pb2.EVENT_TYPE_MESSAGE_RECEIVED and ev.message.text == hello:
                    self.assertFalse(ev.message.from_me)
                    self.assertEqual(ev.message.chat.pn_jid, contact[1:] + "@s.whatsapp.net")
                    sent = self.messages.SendMessage(
                        message_service_pb2.SendMessageRequest(account_id=account_id, to=contact, text=message_pb2.TextContent(body="answer over python")),
                        metadata=self.metadata,
                        timeout=TIMEOUT_S,
                    )
                    reply_id = sent.message.message_id
                elif ev.type == event_pb2.EVENT_TYPE_MESSAGE_SENT and reply_id and ev.message.message_id == reply_id:
                    self.assertTrue(ev.message.from_me)
                    self.assertEqual(ev.message.text, "answer over python")
                    return
        finally:
            stream.cancel()
        self.fail("StreamMessages ended before the contact's message and the reply's event")

    def test_an_unknown_account_is_not_found_as_a_grpc_status(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.accounts.GetAccount(account_service_pb2.GetAccountRequest(account_id="no-such-account-py"), metadata=self.metadata, timeout=TIMEOUT_S)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)


if __name__ == "__main__":
    unittest.main(verbosity=2)
