import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Fault,
  SandboxService,
  type EnterPairingCodeRequest,
  type InjectFaultRequest,
  type LinkDeviceRequest,
  type ListContactMessagesRequest,
  type SendFromContactRequest,
} from "../../gen/wildcat/v1/sandbox_service_pb.js";
import type { ContactBook } from "../sim/contact-book.js";
import type { Simulator } from "../sim/simulator.js";

/** Phone numbers arrive as "+15551234567" or "15551234567"; the simulator keys on digits. */
const digits = (phone: string) => phone.replace(/^\+/, "");

/**
 * The simulated phone side, over the API: only mounted by the standalone
 * simulator and the sandbox gateway, both of which trust the simulator's root.
 */
export class SandboxServiceImpl implements ServiceImpl<typeof SandboxService> {
  constructor(
    private readonly sim: Simulator,
    private readonly contacts: ContactBook,
  ) {}

  async linkDevice(req: LinkDeviceRequest) {
    const device = await asPrecondition(this.sim.linkDevice(req.qrCode, digits(req.phoneNumber)));
    return { jid: device.jid, lid: device.lid };
  }

  async enterPairingCode(req: EnterPairingCodeRequest) {
    const device = await asPrecondition(this.sim.enterPairingCode(digits(req.phoneNumber), req.code.toUpperCase()));
    return { jid: device.jid };
  }

  async sendFromContact(req: SendFromContactRequest) {
    const contact = await this.contacts.contact(digits(req.fromPhoneNumber));
    if (req.media.length > 0) {
      if (!req.mediaMimeType.startsWith("image/")) {
        throw new ConnectError("media_mime_type: the simulated contact sends images (image/jpeg, image/png)", Code.InvalidArgument);
      }
      return { messageId: await contact.sendImage(req.toJid, Buffer.from(req.media), { caption: req.text || undefined, mimetype: req.mediaMimeType }) };
    }
    if (!req.text) throw new ConnectError("text: give a text, or media", Code.InvalidArgument);
    return { messageId: await contact.sendText(req.toJid, req.text) };
  }

  async listContactMessages(req: ListContactMessagesRequest) {
    const messages = await this.contacts.messages(digits(req.phoneNumber));
    return {
      messages: messages.map((m) => ({
        fromJid: m.fromJid,
        messageId: m.messageId,
        text: m.text ?? "",
        timestamp: timestampFromMs(m.timestamp * 1000),
        type: m.kind,
      })),
    };
  }

  async injectFault(req: InjectFaultRequest) {
    switch (req.fault) {
      case Fault.GO_AWAY:
        await this.sim.goAway();
        return {};
      case Fault.NONE:
        await this.sim.comeBack().catch(() => undefined); // not away: nothing to undo
        this.inject(req.jid, { kind: "normal-acks" });
        return {};
      case Fault.DROP_CONNECTION:
        this.inject(req.jid, { kind: "drop" });
        return {};
      case Fault.STREAM_ERROR:
        if (req.code === 0) throw new ConnectError("code: a stream error needs a code, e.g. 401, 440, 500, 515", Code.InvalidArgument);
        this.inject(req.jid, { kind: "stream-error", code: req.code });
        return {};
      case Fault.REFUSE_ACKS:
        this.inject(req.jid, { kind: "refuse-acks" });
        return {};
      case Fault.DELAY_ACKS: {
        const ms = Number(req.delay?.seconds ?? 0n) * 1000 + Math.round((req.delay?.nanos ?? 0) / 1e6);
        this.inject(req.jid, { kind: "delay-acks", ms });
        return {};
      }
      default:
        throw new ConnectError("fault: unknown", Code.InvalidArgument);
    }
  }

  private inject(jid: string, fault: Parameters<Simulator["injectFault"]>[1]): void {
    try {
      this.sim.injectFault(jid, fault);
    } catch (e) {
      throw new ConnectError((e as Error).message, Code.NotFound);
    }
  }
}

/** What the simulator refuses (an unknown QR ref, a wrong code) is the caller's to fix. */
function asPrecondition<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    throw e instanceof ConnectError ? e : new ConnectError((e as Error).message, Code.FailedPrecondition);
  });
}
