// One order in the side drawer: items, amounts, address, payment, shipment, refund,
// history, and the actions this admin may take; it follows the order live.

import { statusBadge, thumb } from "../components/order-row.js";
import { bi, busy, errorLine, h, openDrawer, showError, toast } from "../dom.js";
import { REFUND_STATUSES, fullTime, specsText, statusLabel, yuan } from "../format.js";
import { AFTER_SALE_TYPES, afterSaleActions, itemsText, stateTag } from "./after-sales.js";
import { actionsFor } from "./order-actions.js";

const CANCEL_REASONS = {
  user: ["顾客取消", "by the customer"],
  timeout: ["超时未付", "not paid in time"],
  admin: ["后台取消", "by staff"],
};

function kv(pairs) {
  return h(
    "dl",
    { class: "kv" },
    pairs.filter(([, value]) => value !== undefined && value !== null && value !== "").flatMap(([[zh, en], value]) => [h("dt", {}, ...bi(zh, en)), h("dd", {}, value)]),
  );
}

function section(name, [zh, en], ...children) {
  return h("section", { dataset: { section: name } }, h("h3", {}, ...bi(zh, en)), ...children);
}

function itemsSection(order) {
  return section(
    "items",
    ["商品", "Items"],
    h(
      "table",
      { class: "lines" },
      h(
        "tbody",
        {},
        (order.items || []).map((item) =>
          h(
            "tr",
            { dataset: { skuId: item.sku_id } },
            h("td", {}, h("div", { class: "items" }, thumb(item.cover_url), h("div", { class: "items-text" }, h("a", { class: "items-title", href: `#/products/${item.product_id}` }, item.title), h("span", { class: "items-more" }, specsText(item.specs))))),
            h("td", { class: "num" }, `¥${yuan(item.price)} × ${item.quantity}`),
            h("td", { class: "num" }, `¥${yuan(item.price * item.quantity)}`),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "amounts" },
      kv([
        [["商品金额", "Goods"], `¥${yuan(order.goods_amount)}`],
        [["运费", "Freight"], `¥${yuan(order.freight_amount)}`],
        [["优惠", "Discount"], order.discount_amount ? `−¥${yuan(order.discount_amount)}` : "¥0.00"],
        [["改价", "Adjusted"], order.adjust_amount ? `${order.adjust_amount < 0 ? "−" : "+"}¥${yuan(Math.abs(order.adjust_amount))}` : ""],
      ]),
      h("dl", { class: "kv total" }, h("dt", {}, ...bi("实付", "Paid")), h("dd", { dataset: { field: "pay_amount" } }, `¥${yuan(order.pay_amount)}`)),
    ),
  );
}

function addressSection(order) {
  const a = order.address || {};
  return section(
    "address",
    ["收货信息", "Delivery"],
    kv([
      [["收货人", "Name"], [a.name, a.phone].filter(Boolean).join(" · ")],
      [["地址", "Address"], [a.province, a.city, a.district, a.detail].filter(Boolean).join(" ")],
      [["买家留言", "Customer remark"], order.remark],
      [["商家备注", "Staff remark"], order.staff_remark ? h("span", { dataset: { field: "staff_remark" } }, order.staff_remark) : ""],
      [["顾客", "Customer"], h("a", { href: `#/orders?user_id=${order.user_id}` }, `#${order.user_id} · 全部订单 all orders`)],
    ]),
  );
}

function paymentSection(order) {
  const cancel = order.cancel_reason ? CANCEL_REASONS[order.cancel_reason] || [order.cancel_reason, ""] : null;
  return section(
    "payment",
    ["支付", "Payment"],
    kv([
      [["下单时间", "Placed"], fullTime(order.created_at)],
      [["付款期限", "Pay by"], order.status === "pending_payment" ? fullTime(order.expires_at) : ""],
      [["付款时间", "Paid"], fullTime(order.paid_at)],
      [["金额", "Amount"], order.paid_at ? `¥${yuan(order.pay_amount)} · 微信支付 WeChat Pay` : ""],
      [["优惠券", "Coupon"], order.coupon_id ? `#${order.coupon_id}` : ""],
      [["取消", "Cancelled"], order.cancelled_at ? `${fullTime(order.cancelled_at)} · ${cancel.join(" ")}` : ""],
      [["完成", "Completed"], fullTime(order.completed_at)],
    ]),
  );
}

/** WeChat's copy of the shipping (发货信息管理): its state, and a retry when it failed. */
const SYNC_STATES = {
  pending: ["同步中", "Uploading"],
  synced: ["已同步", "Synced"],
  failed: ["同步失败", "Failed"],
};

function syncLine(order, retry) {
  const sync = order.shipping_sync;
  if (!sync) return null;
  const [zh, en] = SYNC_STATES[sync.state] || [sync.state, ""];
  const tag = { synced: "tag--on", failed: "tag--warn" }[sync.state] || "tag--off";
  return h(
    "div",
    { class: "sync", dataset: { role: "shipping-sync", syncState: sync.state } },
    kv([
      [["微信发货同步", "WeChat sync"], h("span", { class: `tag ${tag}` }, `${zh} ${en}`)],
      [["错误", "Error"], sync.error ? h("span", { class: "mono", dataset: { role: "sync-error" } }, sync.error) : ""],
      [["尝试次数", "Attempts"], sync.attempts ? String(sync.attempts) : ""],
      [["下次重试", "Next retry"], sync.state === "failed" ? fullTime(sync.next_attempt_at) : ""],
      [["同步时间", "Synced"], fullTime(sync.synced_at)],
    ]),
    retry,
  );
}

function shipmentSection(order, retry) {
  const s = order.shipment;
  if (!s) return null;
  return section(
    "shipment",
    ["物流", "Shipment"],
    kv([
      [["快递公司", "Carrier"], s.carrier || s.carrier_code],
      [["运单号", "Tracking"], h("span", { class: "mono" }, s.tracking_no)],
      [["发货时间", "Shipped"], fullTime(s.created_at)],
    ]),
    syncLine(order, retry),
  );
}

function refundSection(order) {
  const r = order.refund;
  if (!r) return null;
  const [zh, en] = REFUND_STATUSES[r.status] || [r.status, ""];
  return section(
    "refund",
    ["售后 · 退款", "After-sales · Refund"],
    kv([
      [["状态", "State"], h("span", { class: "tag", dataset: { refundStatus: r.status } }, `${zh} ${en}`)],
      [["金额", "Amount"], `¥${yuan(r.amount)}`],
      [["理由", "Reason"], r.reason],
      [["申请时间", "Requested"], fullTime(r.created_at)],
      [["处理时间", "Decided"], fullTime(r.decided_at)],
      [["退款单号", "Refund no."], h("span", { class: "mono" }, r.out_refund_no)],
      [["说明", "Note"], r.failure],
    ]),
  );
}

function historySection(order) {
  return section(
    "history",
    ["订单记录", "History"],
    h(
      "ol",
      { class: "timeline" },
      [...(order.history || [])].reverse().map((entry) => {
        const [zh, en] = statusLabel(entry.to_status);
        const from = entry.from_status ? statusLabel(entry.from_status)[0] : "";
        return h(
          "li",
          { dataset: { to: entry.to_status } },
          h("time", { datetime: entry.created_at }, fullTime(entry.created_at)),
          h("span", {}, from ? `${from} → ` : "", ...bi(zh, en), h("span", { class: "muted" }, ` · ${entry.actor}`)),
          entry.note ? h("span", { class: "note" }, entry.note) : null,
        );
      }),
    ),
  );
}

/**
 * Open the drawer on order `id`; it reloads on the order's events. Returns {close, id}.
 * onClose runs when staff close it (the route goes back to the list).
 */
export function openOrderDrawer(ctx, id, { onClose } = {}) {
  const { api, store, can } = ctx;
  const drawer = openDrawer({ label: `订单 Order #${id}`, onClose: ({ byUser }) => cleanup(byUser) });
  const state = { order: null, loading: null, alive: true, afterSales: null };
  drawer.panel.dataset.orderId = String(id);
  const afterSalesError = errorLine();

  /** The order's after-sales (for staff with after_sales.read), decided from here too. */
  async function loadAfterSales() {
    if (!can("after_sales.read")) return;
    try {
      const page = await api.afterSales.list({ order_id: id, page_size: 50 });
      if (!state.alive) return;
      state.afterSales = page.items;
      if (state.order) render(state.order);
    } catch (err) {
      if (state.alive) showError(err, afterSalesError);
    }
  }

  function afterSalesSection() {
    if (!state.afterSales || !state.afterSales.length) return afterSalesError.hidden ? null : section("after-sales", ["售后", "After-sales"], afterSalesError);
    return section(
      "after-sales",
      ["售后", "After-sales"],
      afterSalesError,
      h(
        "ul",
        { class: "after-sales" },
        state.afterSales.map((a) => {
          const [tzh, ten] = AFTER_SALE_TYPES[a.type] || [a.type, ""];
          return h(
            "li",
            { dataset: { afterSaleId: a.id, state: a.state } },
            h("div", {}, h("strong", {}, `#${a.id} ${tzh} ${ten} `), stateTag(a), h("span", { class: "num" }, ` ¥${yuan(a.refund_amount)}`)),
            h("div", { class: "muted" }, `${itemsText(a)} · ${a.reason} · ${fullTime(a.created_at)}`),
            a.return_tracking_no ? h("div", { class: "mono" }, `${a.return_carrier_code || ""} ${a.return_tracking_no}`) : null,
            h("div", { class: "order-actions" }, ...afterSaleActions(ctx, a, { onDone: () => loadAfterSales(), onError: () => loadAfterSales() })),
          );
        }),
      ),
    );
  }

  async function load() {
    const attempt = (state.loading = {});
    try {
      const order = await api.orders.get(id);
      if (!state.alive || attempt !== state.loading) return;
      state.order = order;
      render(order);
    } catch (err) {
      if (!state.alive) return;
      const line = errorLine();
      drawer.body.replaceChildren(line);
      showError(err, line);
    }
  }

  /** "Retry sync" for a failed upload, for staff who may (the API wants orders.write). */
  function retryControl(order) {
    if (!order.shipping_sync || order.shipping_sync.state !== "failed" || !can("orders.write")) return null;
    const error = errorLine();
    const retry = h(
      "button",
      {
        type: "button",
        class: "button button--small",
        dataset: { action: "retry-sync" },
        onclick: () =>
          busy(retry, async () => {
            error.hidden = true;
            try {
              const result = await api.orders.retrySync(order.id);
              if (!state.alive) return;
              state.order = result;
              render(result);
              toast("info", "已重新提交 · Retrying", `${order.order_no} · 微信发货同步 WeChat sync`);
            } catch (err) {
              showError(err, error);
              load();
            }
          }),
      },
      ...bi("重试同步", "Retry sync"),
    );
    return h("div", { class: "sync-retry" }, retry, error);
  }

  function render(order) {
    drawer.panel.dataset.status = order.status;
    const error = errorLine();
    const actions = h("div", { class: "order-actions" });
    for (const action of actionsFor(order, can)) {
      const cls = action.danger ? "button--danger" : action.primary ? "button--primary" : "";
      actions.append(
        h(
          "button",
          {
            type: "button",
            class: `button ${cls}`,
            dataset: { action: action.id },
            onclick: async () => {
              error.hidden = true;
              try {
                const result = await action.run(ctx, state.order);
                if (result && result.id === order.id) {
                  state.order = result;
                  render(result);
                  toast("info", "已完成 · Done", `${order.order_no} · ${action.label.join(" ")}`);
                } else if (result) {
                  load();
                }
              } catch (err) {
                showError(err, error);
              }
            },
          },
          ...bi(...action.label),
        ),
      );
    }
    if (!actions.children.length) {
      actions.append(h("p", { class: "muted", dataset: { role: "no-actions" } }, "没有可执行的操作 · Nothing to do here"));
    }
    drawer.body.replaceChildren(
      ...[
      h(
        "div",
        { class: "drawer-head" },
        h("h2", {}, order.order_no),
        statusBadge(order.status),
        h("span", { class: "muted" }, `#${order.id}`),
      ),
      h("section", { dataset: { section: "actions" } }, h("h3", {}, ...bi("操作", "Actions")), actions, error),
      itemsSection(order),
      addressSection(order),
      paymentSection(order),
      shipmentSection(order, retryControl(order)),
      refundSection(order),
      afterSalesSection(),
      historySection(order),
      ].filter(Boolean),
    );
  }

  const offs = [
    store.on("order.*", (e) => {
      if (e.data && e.data.order_id === id && !e.replayed) load();
    }),
    store.on("shipping_sync.*", (e) => {
      if (e.data && e.data.order_id === id && !e.replayed) load();
    }),
    store.on("admin.action", (e) => {
      if (e.data && e.data.target_type === "order" && Number(e.data.target_id) === id && !e.replayed) load();
    }),
    store.on("after_sale.*", (e) => {
      if (e.data && e.data.order_id === id && !e.replayed) {
        load();
        loadAfterSales();
      }
    }),
  ];

  function cleanup(closedByUser) {
    if (!state.alive) return;
    state.alive = false;
    for (const off of offs) off();
    if (closedByUser && onClose) onClose();
  }

  drawer.body.append(h("p", { class: "empty" }, "加载中… Loading"));
  load();
  loadAfterSales();
  return {
    id,
    reload: load,
    close() {
      cleanup(false);
      drawer.close();
    },
  };
}
