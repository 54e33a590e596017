import type { ServiceImpl } from "@connectrpc/connect";
import type { CallService, RejectCallRequest } from "../../gen/wildcat/v1/call_service_pb.js";
import type { CallTracker } from "../calls/call-tracker.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { mapErrors } from "./domain-errors.js";

export interface CallServiceDeps {
  sockets: SocketManager;
  tracker: CallTracker;
}

/** CallService: acts on the calls the tracker has put on the event log. */
export class CallServiceImpl implements ServiceImpl<typeof CallService> {
  constructor(private readonly deps: CallServiceDeps) {}

  async rejectCall(req: RejectCallRequest) {
    const sock = await mapErrors(this.deps.sockets.connectedSocket(req.accountId));
    return { call: await this.deps.tracker.reject(req.accountId, sock, req.callId) };
  }
}
