// One order as a table row (a card on a phone), shared by the overview and the order list.

import { bi, h } from "../dom.js";
import { imageSrc, specsText, statusLabel, when, yuan } from "../format.js";

export function statusBadge(status) {
  const [zh, en] = statusLabel(status);
  return h("span", { class: "badge", dataset: { status } }, ...bi(zh, en));
}

/** A thumbnail whose placeholder shows through if the picture cannot load. */
export function thumb(url) {
  const el = h("span", { class: "thumb", "aria-hidden": "true" });
  if (url) {
    el.style.backgroundImage = `url(${JSON.stringify(imageSrc(url))}), url("/admin/assets/icon.svg")`;
    el.style.backgroundSize = "cover, 18px";
  }
  return el;
}

export function orderRow(order, { onOpen } = {}) {
  const items = order.items || [];
  const first = items[0];
  const pieces = items.reduce((sum, item) => sum + item.quantity, 0);
  const address = order.address || {};
  const row = h(
    "tr",
    {
      class: onOpen ? "is-link" : "",
      tabindex: onOpen ? "0" : null,
      dataset: { orderId: order.id, orderNo: order.order_no, status: order.status },
    },
    h("td", { class: "cell-order" }, h("span", { class: "order-no" }, order.order_no, h("span", { class: "id" }, `#${order.id}`))),
    h(
      "td",
      { class: "cell-customer customer" },
      address.name || "—",
      h("span", { class: "where" }, [address.province, address.city].filter(Boolean).join(" ")),
    ),
    h(
      "td",
      { class: "cell-items" },
      h(
        "div",
        { class: "items" },
        thumb(first && first.cover_url),
        h(
          "div",
          { class: "items-text" },
          h("span", { class: "items-title", title: first ? first.title : "" }, first ? first.title : "加载中… Loading"),
          first
            ? h(
                "span",
                { class: "items-more" },
                [specsText(first.specs), `× ${first.quantity}`].filter(Boolean).join(" "),
                items.length > 1 ? ` · 共 ${pieces} 件 ${pieces} pcs` : "",
              )
            : null,
        ),
      ),
    ),
    h("td", { class: "cell-amount num" }, `¥${yuan(order.pay_amount)}`),
    h("td", { class: "cell-status" }, statusBadge(order.status)),
    h("td", { class: "cell-placed placed" }, h("time", { datetime: order.created_at }, when(order.created_at))),
  );
  if (onOpen) {
    row.addEventListener("click", (e) => {
      if (e.target.closest("button, a, input")) return;
      onOpen(order.id);
    });
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter") onOpen(order.id);
    });
  }
  return row;
}

export function ordersTable(bodyId) {
  return h(
    "table",
    { class: "orders" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, ...bi("订单号", "Order")),
        h("th", { scope: "col" }, ...bi("收货人", "Customer")),
        h("th", { scope: "col" }, ...bi("商品", "Items")),
        h("th", { scope: "col", class: "num" }, ...bi("实付", "Amount")),
        h("th", { scope: "col" }, ...bi("状态", "Status")),
        h("th", { scope: "col" }, ...bi("下单时间", "Placed")),
      ),
    ),
    h("tbody", { id: bodyId }),
  );
}
