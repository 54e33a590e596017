import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { ParticipantAction, ParticipantResultStatus } from "../../gen/wildcat/v1/group_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { loggingInterceptor } from "../../src/server/interceptors.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { simulatorWithAccount } from "../sim/sim-fixture.js";

const ACCOUNT = "15558310001";
const ANN = "+15558310002";
const BEN = "+15558310003";
const pn = (phone: string) => `${phone.replace(/^\+/, "")}@s.whatsapp.net`;

const fixture = simulatorWithAccount(ACCOUNT);
let sandbox: Client<typeof SandboxService>;

beforeAll(async () => {
  await Promise.all([fixture.contacts.contact(ANN.slice(1)), fixture.contacts.contact(BEN.slice(1))]);
  // The router in memory, with the production interceptors (authorization has its own table test).
  const transport = createRouterTransport((router) => router.service(SandboxService, new SandboxServiceImpl(fixture.sim, fixture.contacts)), {
    router: { interceptors: [loggingInterceptor(pino({ level: "silent" })), createValidateInterceptor()] },
  });
  sandbox = createClient(SandboxService, transport);
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e));

describe("SandboxService: simulated contacts take part in groups, real Baileys on both ends", () => {
  it("when a contact joins by the account's invite code, then the account sees the member; a second join or a dead code fails clearly", async () => {
    const account = fixture.account;
    const group = (await account.sock.groupCreate("Shop", [pn(ANN)])).id;
    const code = (await account.sock.groupInviteCode(group))!;

    const added = account.waitFor("group-participants.update", (u) => u.id === group && u.action === "add");
    expect(await sandbox.contactJoinGroup({ phoneNumber: BEN, inviteCode: `https://chat.whatsapp.com/${code}` })).toMatchObject({ groupJid: group, pendingApproval: false });
    await added;
    expect((await account.sock.groupMetadata(group)).participants.map((p) => p.phoneNumber)).toContain(pn(BEN));

    expect((await failure(sandbox.contactJoinGroup({ phoneNumber: BEN, inviteCode: code })))?.code).toBe(Code.AlreadyExists);
    expect((await failure(sandbox.contactJoinGroup({ phoneNumber: BEN, inviteCode: "NoSuchCode12345" })))?.code).toBe(Code.NotFound);

    await account.sock.groupJoinApprovalMode(group, "on");
    const asked = account.waitFor("group.join-request", (r) => r.id === group && r.action === "created");
    const outsider = "+15558310004";
    expect(await sandbox.contactJoinGroup({ phoneNumber: outsider, inviteCode: code })).toMatchObject({ groupJid: group, pendingApproval: true });
    expect((await asked).participantPn).toBe(pn(outsider));
  });

  it("when a contact administers its group, then it promotes and removes the account, each with a result; a member who is not an admin is refused; a contact leaves", async () => {
    const account = fixture.account;
    const { groupJid } = await sandbox.createGroup({ creatorPhoneNumber: ANN, subject: "Ann's", participants: [`+${ACCOUNT}`, BEN] });

    const promoted = account.waitFor("group-participants.update", (u) => u.id === groupJid && u.action === "promote");
    const { results } = await sandbox.contactUpdateParticipants({ phoneNumber: ANN, groupJid, action: ParticipantAction.PROMOTE, participants: [`+${ACCOUNT}`, "+15558310099"] });
    expect(results.map((r) => [r.participant, r.status, r.whatsappCode])).toEqual([
      [`+${ACCOUNT}`, ParticipantResultStatus.OK, 200],
      ["+15558310099", ParticipantResultStatus.NOT_FOUND, 404],
    ]);
    await promoted;
    expect((await account.sock.groupMetadata(groupJid)).participants.find((p) => p.phoneNumber === pn(ACCOUNT))?.admin).toBe("admin");

    const refused = await failure(sandbox.contactUpdateParticipants({ phoneNumber: BEN, groupJid, action: ParticipantAction.REMOVE, participants: [`+${ACCOUNT}`] }));
    expect([refused?.code, refused?.rawMessage]).toEqual([Code.PermissionDenied, expect.stringMatching(/403 forbidden/)]);

    const left = account.waitFor("group-participants.update", (u) => u.id === groupJid && u.action === "remove");
    await sandbox.contactLeaveGroup({ phoneNumber: BEN, groupJid });
    expect((await left).participants.map((p) => p.phoneNumber)).toEqual([pn(BEN)]);

    const removed = account.waitFor("group-participants.update", (u) => u.id === groupJid && u.action === "remove");
    await sandbox.contactUpdateParticipants({ phoneNumber: ANN, groupJid, action: ParticipantAction.REMOVE, participants: [pn(ACCOUNT)] });
    await removed;
    await expect(account.sock.groupMetadata(groupJid)).rejects.toThrow(/forbidden/);
  });
});
