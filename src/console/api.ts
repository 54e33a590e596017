import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";

export type Protocol = "connect" | "grpc-web";

/** The generated clients the console uses, all through one transport that carries the key. */
export interface Api {
  accounts: Client<typeof AccountService>;
  messages: Client<typeof MessageService>;
  media: Client<typeof MediaService>;
  webhooks: Client<typeof WebhookService>;
}

/** Clients for the gateway that served this page (same origin), sending `key` as a bearer token. */
export function createApi(key: string, protocol: Protocol, baseUrl = location.origin): Api {
  const withKey: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  const transport: Transport =
    protocol === "grpc-web"
      ? createGrpcWebTransport({ baseUrl, interceptors: [withKey] })
      : createConnectTransport({ baseUrl, interceptors: [withKey] });
  return {
    accounts: createClient(AccountService, transport),
    messages: createClient(MessageService, transport),
    media: createClient(MediaService, transport),
    webhooks: createClient(WebhookService, transport),
  };
}
