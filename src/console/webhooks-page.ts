import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { EventType } from "../../gen/wildcat/v1/event_pb.js";
import { DeliveryState, WebhookState, type Webhook, type WebhookDelivery } from "../../gen/wildcat/v1/webhook_pb.js";
import type { Api } from "./api.js";

/** What the page needs from the rest of the console. */
export interface WebhooksPageDeps {
  api(): Api;
  /** Runs a user action; a failure is shown to the person (see main.ts). */
  act<T>(what: string, run: () => Promise<T>): Promise<T | undefined>;
  $<T extends HTMLElement = HTMLElement>(id: string): T;
}

/** Event types a webhook may ask for: every one the contract has (WEBHOOK_TEST is only ever sent by TestWebhook). */
const SELECTABLE = Object.values(EventType).filter(
  (t): t is EventType => typeof t === "number" && t !== EventType.UNSPECIFIED && t !== EventType.WEBHOOK_TEST,
);

const words = (name: string | undefined) => (name ?? "unspecified").toLowerCase().replace(/_/g, " ");
const when = (t: Timestamp | undefined) => (t ? timestampDate(t).toLocaleTimeString() : "");

/**
 * Webhooks: the list, a form to add one (its signing secret is shown once), and per webhook its
 * delivery log (newest first, refreshed every few seconds while open) with a button to deliver an
 * event again.
 */
export function webhooksPage({ api, act, $ }: WebhooksPageDeps) {
  let selected: string | undefined;
  let refresher: ReturnType<typeof setInterval> | undefined;
  const items = new Map<string, HTMLLIElement>();

  for (const t of SELECTABLE) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = String(t);
    box.name = "event-type";
    label.append(box, words(EventType[t]));
    $("webhook-types").append(label);
  }

  function renderItem(w: Webhook): void {
    let li = items.get(w.webhookId);
    if (!li) {
      li = document.createElement("li");
      li.dataset.webhookId = w.webhookId;
      li.addEventListener("click", () => void open(w.webhookId));
      items.set(w.webhookId, li);
      $("webhooks").append(li);
    }
    const url = document.createElement("span");
    url.textContent = w.description || new URL(w.url).host;
    url.title = w.url;
    const state = document.createElement("span");
    state.className = `state ${w.state === WebhookState.ENABLED ? "connected" : "disconnected"}`;
    state.textContent = words(WebhookState[w.state]);
    li.replaceChildren(url, state);
    li.classList.toggle("selected", w.webhookId === selected);
    $("no-webhooks").hidden = true;
  }

  async function load(): Promise<void> {
    const res = await act("Loading the webhooks", async () => {
      const all: Webhook[] = [];
      let pageToken = "";
      do {
        const page = await api().webhooks.listWebhooks({ pageSize: 100, pageToken });
        all.push(...page.webhooks);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    });
    if (!res) return;
    for (const w of res) renderItem(w);
    $("no-webhooks").hidden = res.length > 0;
  }

  async function create(): Promise<void> {
    const url = $<HTMLInputElement>("webhook-url").value.trim();
    const description = $<HTMLInputElement>("webhook-description").value.trim();
    const eventTypes = [...$("webhook-types").querySelectorAll<HTMLInputElement>("input:checked")].map((b) => Number(b.value) as EventType);
    const res = await act("Creating the webhook", () => api().webhooks.createWebhook({ url, description, eventTypes }));
    if (!res?.webhook) return;
    renderItem(res.webhook);
    const secret = $("webhook-secret");
    const value = document.createElement("code");
    value.textContent = res.secret;
    secret.replaceChildren("Signing secret, shown only now: keep it to verify signatures. ", value);
    secret.hidden = false;
    $<HTMLFormElement>("webhook-form").reset();
    await open(res.webhook.webhookId);
  }

  async function open(webhookId: string): Promise<void> {
    selected = webhookId;
    for (const [id, li] of items) li.classList.toggle("selected", id === webhookId);
    $("webhook-panel").hidden = false;
    clearInterval(refresher);
    refresher = setInterval(() => void refresh(), 3000);
    await refresh();
  }

  async function refresh(): Promise<void> {
    const webhookId = selected;
    if (!webhookId) return;
    const res = await act("Loading the deliveries", async () => {
      const [w, d] = await Promise.all([api().webhooks.getWebhook({ webhookId }), api().webhooks.listWebhookDeliveries({ webhookId, pageSize: 50 })]);
      return { webhook: w.webhook!, deliveries: d.deliveries };
    });
    if (!res || selected !== webhookId) return;
    renderItem(res.webhook);
    $("webhook-title").textContent = res.webhook.url;
    const state = $("webhook-state");
    state.className = `state ${res.webhook.state === WebhookState.ENABLED ? "connected" : "disconnected"}`;
    state.textContent = words(WebhookState[res.webhook.state]);
    $("webhook-reason").textContent = res.webhook.disabledReason;
    $("deliveries").replaceChildren(...res.deliveries.map((d) => row(d)));
    $("no-deliveries").hidden = res.deliveries.length > 0;
  }

  function row(d: WebhookDelivery): HTMLTableRowElement {
    const tr = document.createElement("tr");
    tr.dataset.eventId = d.eventId;
    const cell = (text: string, cls = "") => {
      const td = document.createElement("td");
      td.textContent = text;
      td.className = cls;
      return td;
    };
    const answer = d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : "";
    const redeliver = document.createElement("button");
    redeliver.type = "button";
    redeliver.className = "quiet redeliver";
    redeliver.textContent = "Redeliver";
    redeliver.addEventListener("click", () => {
      void act("Redelivering the event", () => api().webhooks.redeliverWebhookEvent({ webhookId: d.webhookId, eventId: d.eventId })).then(refresh);
    });
    const action = document.createElement("td");
    action.append(redeliver);
    tr.append(
      cell(d.eventId.slice(0, 12), "id"),
      cell(words(EventType[d.eventType])),
      cell(words(DeliveryState[d.state]), `state-cell ${words(DeliveryState[d.state])}`),
      cell(String(d.attempts)),
      cell([answer, d.lastError].filter(Boolean).join(" · ")),
      cell(when(d.lastAttemptTime)),
      action,
    );
    return tr;
  }

  return {
    async show(): Promise<void> {
      if (items.size === 0) await load();
      if (selected) await refresh();
    },
    hide(): void {
      clearInterval(refresher);
      refresher = undefined;
    },
    reset(): void {
      clearInterval(refresher);
      selected = undefined;
      items.clear();
      $("webhooks").replaceChildren();
      $("webhook-panel").hidden = true;
      $("webhook-secret").hidden = true;
    },
    wire(): void {
      $<HTMLFormElement>("webhook-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        void create();
      });
      $("deliveries-refresh").addEventListener("click", () => void refresh());
    },
  };
}
