// The recent-activity feed: what the store's feed holds (rebuilt from the admin stream
// after a reload), newest first, and each new event as it comes.

import { bi, h } from "../dom.js";
import { EVENTS, actionLabel, when, yuan } from "../format.js";

const MAX_ITEMS = 50;

function detailOf(envelope) {
  const data = envelope.data || {};
  if (envelope.event === "stock.low") {
    return `${data.title || `SKU #${data.sku_id}`} · 剩 ${data.stock} 件 · ${data.stock} left`;
  }
  if (envelope.event === "admin.action") {
    const [zh, en] = actionLabel(data.action);
    const target = data.target_type ? ` · ${data.target_type} #${data.target_id}` : "";
    return `${data.admin_username} ${zh} ${en}${target}`;
  }
  if (envelope.event.startsWith("after_sale.")) {
    return [data.order_no, data.refund_amount !== undefined ? `¥${yuan(data.refund_amount)}` : ""].filter(Boolean).join(" · ");
  }
  if (envelope.event === "shipping_sync.failed") return [data.order_no, data.error].filter(Boolean).join(" · ");
  return [data.order_no, data.pay_amount !== undefined ? `¥${yuan(data.pay_amount)}` : ""].filter(Boolean).join(" · ");
}

function linkOf(envelope) {
  const data = envelope.data || {};
  if (data.order_id) return `#/orders/${data.order_id}`;
  if (envelope.event === "admin.action" && data.target_type === "order") return `#/orders/${data.target_id}`;
  if (envelope.event === "admin.action" && data.target_type === "product") return `#/products/${data.target_id}`;
  if (envelope.event === "admin.action" && data.target_type === "review") return "#/reviews";
  if (envelope.event === "admin.action" && data.target_type === "after_sale") return "#/after-sales";
  if (envelope.event === "stock.low") return "#/stock";
  return null;
}

export function activityItem(envelope) {
  const [zh, en] = EVENTS[envelope.event] || [envelope.event, ""];
  const link = linkOf(envelope);
  const what = link ? h("a", { class: "what", href: link }, ...bi(zh, en)) : h("span", { class: "what" }, ...bi(zh, en));
  return h(
    "li",
    { dataset: { event: envelope.event, eventId: envelope.id, replayed: String(Boolean(envelope.replayed)) } },
    h("time", { datetime: envelope.at }, when(envelope.at)),
    what,
    h("span", { class: "detail" }, detailOf(envelope)),
  );
}

export class ActivityFeed {
  constructor({ store, list, empty }) {
    this.list = list;
    this.empty = empty;
    // The store's feed is newest first.
    list.replaceChildren(...store.feed.slice(0, MAX_ITEMS).map(activityItem));
    this._render();
    this.off = store.onFeed((envelope) => this.add(envelope));
  }

  add(envelope) {
    this.list.prepend(activityItem(envelope));
    while (this.list.children.length > MAX_ITEMS) this.list.lastElementChild.remove();
    this._render();
  }

  _render() {
    this.empty.hidden = this.list.children.length > 0;
  }

  destroy() {
    this.off();
  }
}
