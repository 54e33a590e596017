import { type Logger, pino } from "pino";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { ContactBook } from "../../src/sim/contact-book.js";
import { Simulator, type SimulatorOptions } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { BaileysClient, type LogLine } from "./baileys-client.js";

/**
 * One simulator for a test file, and bare Baileys clients that are disposed after
 * each test, which fails if any client logged a problem or sent an unknown iq.
 */
export function simulatorWithClients() {
  let sim: Simulator | undefined;
  const clients: BaileysClient[] = [];

  beforeAll(async () => {
    sim = await Simulator.start();
    trustSimulatorRoot(sim.rootPublicKey);
  });

  afterEach(() => {
    const current = clients.splice(0);
    for (const c of current) c.dispose();
    for (const c of current) expect(c.problems()).toEqual([]);
    expect(sim!.unknownIqs).toEqual([]);
  });

  afterAll(async () => {
    await sim?.close();
  });

  return {
    get sim(): Simulator {
      return sim!;
    },
    client(name: string, socketOptions?: ConstructorParameters<typeof BaileysClient>[2]): BaileysClient {
      const c = new BaileysClient(sim!, name, socketOptions);
      clients.push(c);
      return c;
    },
  };
}

/**
 * One simulator for a test file (or describe block) with a bare Baileys client linked as
 * `accountPhone` (standing for the gateway's account) and a book of simulated contacts, all kept
 * for the whole file; `linkClient` adds more bare clients, kept likewise. A test fails if
 * afterwards any client or contact logged a problem, or the simulator met an unknown iq.
 */
export function simulatorWithAccount(accountPhone: string, simOptions: SimulatorOptions = {}) {
  let sim: Simulator | undefined;
  let account: BaileysClient | undefined;
  let contacts: ContactBook | undefined;
  const clients: BaileysClient[] = [];
  const contactLogs = capturingLogger();

  beforeAll(async () => {
    sim = await Simulator.start(simOptions);
    trustSimulatorRoot(sim.rootPublicKey);
    account = new BaileysClient(sim, "account");
    clients.push(account);
    contacts = new ContactBook(sim, { logger: contactLogs.logger });
    await account.linkByQr(accountPhone);
  });

  afterEach(() => {
    for (const c of clients) expect(c.problems()).toEqual([]);
    expect(contactLogs.problems()).toEqual([]);
    expect(sim!.unknownIqs).toEqual([]);
  });

  afterAll(async () => {
    await contacts?.close();
    for (const c of clients) c.dispose();
    await sim?.close();
  });

  return {
    get sim(): Simulator {
      return sim!;
    },
    get account(): BaileysClient {
      return account!;
    },
    get contacts(): ContactBook {
      return contacts!;
    },
    /** The account's JID (phone-number form, user level). */
    accountJid: `${accountPhone}@s.whatsapp.net`,
    /** Links another bare Baileys client as `phone`, kept (and checked) like the account. */
    async linkClient(name: string, phone: string): Promise<BaileysClient> {
      const client = new BaileysClient(sim!, name);
      clients.push(client);
      await client.linkByQr(phone);
      return client;
    },
  };
}

/**
 * A logger for simulated contacts that keeps every line (debug and up), and the lines at warn or
 * above. The restart after linking (stream error 515) is always logged and is not a problem.
 */
function capturingLogger(): { logger: Logger; problems(): LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return {
    logger,
    problems: () =>
      lines.filter((l) => l.level >= 40 && !(l.msg === "stream errored out" && JSON.stringify(l.fullErrorNode).includes('"515"'))),
  };
}
