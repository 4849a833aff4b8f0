// After-sales (GET /api/admin/after-sales?state=&type=&date_from=&date_to=): customers'
// refunds and returns, and staff refunds. Each row with its order (opening the order
// drawer), items, refund and state; a drawer with the history and the customer's return
// tracking. Staff with after_sales.write approve, reject (with a reason) and receive
// returned goods (restocking resellable ones). Another console's decision, the customer's
// steps and WeChat Pay's answer show at once (after_sale.* events and admin.action).

import { bi, confirm, dialog, empty, errorLine, field, h, openDrawer, pager, screenHead, select, showError, toast } from "../dom.js";
import { REFUND_STATUSES, fullTime, specsText, yuan } from "../format.js";

const PAGE_SIZE = 20;

/** AfterSaleState of mall/aftersales/schemas.py, bilingual, with the tag it wears. */
export const AFTER_SALE_STATES = {
  pending: ["待审核", "Pending", "tag--warn"],
  approved: ["待退货", "Awaiting goods", "tag--warn"],
  returning: ["退货中", "Goods on the way", "tag--warn"],
  refunding: ["退款中", "Refunding", "tag--off"],
  refunded: ["已退款", "Refunded", "tag--on"],
  rejected: ["已拒绝", "Rejected", "tag--off"],
  cancelled: ["已撤销", "Withdrawn", "tag--off"],
};

export const AFTER_SALE_TYPES = {
  refund: ["仅退款", "Refund"],
  return_refund: ["退货退款", "Return & refund"],
};

const FILTERS = ["state", "type", "date_from", "date_to"];

function filterOf(query) {
  const filter = {};
  for (const key of FILTERS) filter[key] = (query && query.get && query.get(key)) || "";
  if (!AFTER_SALE_STATES[filter.state]) filter.state = "";
  if (!AFTER_SALE_TYPES[filter.type]) filter.type = "";
  return filter;
}

export function stateTag(afterSale) {
  const [zh, en, tag] = AFTER_SALE_STATES[afterSale.state] || [afterSale.state, "", ""];
  return h("span", { class: `tag ${tag}`, dataset: { afterSaleState: afterSale.state } }, `${zh} ${en}`);
}

export function itemsText(afterSale) {
  return afterSale.items.map((line) => `${line.title}${line.specs && Object.keys(line.specs).length ? ` (${specsText(line.specs)})` : ""} × ${line.quantity}`).join("; ");
}

/**
 * The actions an after-sale in this state allows, as buttons (none without
 * after_sales.write). done(afterSale) is called with the server's answer.
 */
export function afterSaleActions(ctx, afterSale, { onDone, onError }) {
  const { api, can } = ctx;
  if (!can("after_sales.write")) return [];
  const buttons = [];
  const finish = (result, [zh, en]) => {
    if (!result) return;
    toast("info", `${zh} · ${en}`, `#${afterSale.id} · ${afterSale.order_no}`);
    onDone(result === true ? null : result);
  };
  const guarded = async (work) => {
    try {
      return await work();
    } catch (err) {
      if (err && err.status !== undefined) onError(err);
      throw err;
    }
  };
  if (afterSale.state === "pending") {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "button button--small button--primary",
          dataset: { action: "approve-after-sale" },
          onclick: async () =>
            finish(
              await confirm({
                name: "approve-after-sale",
                title: ["同意售后", "Approve the after-sale"],
                danger: false,
                submitLabel: ["同意", "Approve"],
                body:
                  afterSale.type === "refund"
                    ? `退款 ¥${yuan(afterSale.refund_amount)} 立即发往微信支付 · The refund goes to WeChat Pay now.`
                    : "顾客将看到退货地址并寄回商品 · The customer gets the return address and sends the goods back.",
                submit: () => guarded(() => api.afterSales.approve(afterSale.id)),
              }),
              ["已同意", "Approved"],
            ),
        },
        ...bi("同意", "Approve"),
      ),
    );
  }
  if (afterSale.state === "pending" || afterSale.state === "approved") {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "button button--small button--danger",
          dataset: { action: "reject-after-sale" },
          onclick: async () =>
            finish(
              await dialog({
                name: "reject-after-sale",
                title: ["拒绝售后", "Reject the after-sale"],
                submitLabel: ["拒绝", "Reject"],
                danger: true,
                build: (f) => f.append(field(["拒绝原因", "Reason"], h("input", { name: "reason", maxlength: 255, required: true }), { hint: "顾客可见 · the customer sees it", wide: true })),
                submit: (f) => {
                  const reason = f.elements.reason.value.trim();
                  if (!reason) throw new Error("请填写原因 · A reason is required");
                  return guarded(() => api.afterSales.reject(afterSale.id, reason));
                },
              }),
              ["已拒绝", "Rejected"],
            ),
        },
        ...bi("拒绝", "Reject"),
      ),
    );
  }
  if (afterSale.state === "returning") {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "button button--small button--primary",
          dataset: { action: "receive-after-sale" },
          onclick: async () =>
            finish(
              await dialog({
                name: "receive-after-sale",
                title: ["确认收到退货", "Goods received"],
                submitLabel: ["确认收货并退款", "Received: refund"],
                build: (f) =>
                  f.append(
                    h("p", { class: "dialog-text" }, `${itemsText(afterSale)} · 退款 refund ¥${yuan(afterSale.refund_amount)}`),
                    h("label", { class: "check" }, h("input", { type: "checkbox", name: "resellable" }), " 可再售：退回库存 · Resellable: restock"),
                  ),
                submit: (f) => guarded(() => api.afterSales.receive(afterSale.id, f.elements.resellable.checked)),
              }),
              ["已收货", "Received"],
            ),
        },
        ...bi("确认收货", "Receive"),
      ),
    );
  }
  return buttons;
}

function kv(pairs) {
  return h(
    "dl",
    { class: "kv" },
    pairs.filter(([, value]) => value !== undefined && value !== null && value !== "").flatMap(([[zh, en], value]) => [h("dt", {}, ...bi(zh, en)), h("dd", {}, value)]),
  );
}

/** One after-sale in the side drawer, kept live; returns {id, refresh(), close()}. */
export function openAfterSaleDrawer(ctx, id, { onClose } = {}) {
  const { api } = ctx;
  const { panel, body, close } = openDrawer({ label: `售后 After-sale #${id}`, onClose });
  panel.dataset.afterSaleId = String(id);
  const error = errorLine();
  const state = { alive: true, attempt: null };

  function render(a) {
    panel.dataset.state = a.state;
    const [tzh, ten] = AFTER_SALE_TYPES[a.type] || [a.type, ""];
    const refund = a.refund;
    const [rzh, ren] = refund ? REFUND_STATUSES[refund.status] || [refund.status, ""] : ["", ""];
    const actions = afterSaleActions(ctx, a, { onDone: (fresh) => (fresh ? render(fresh) : load()), onError: () => load() });
    body.replaceChildren(
      h("header", { class: "drawer-head" }, h("h2", {}, `售后 After-sale #${a.id} `), stateTag(a)),
      h(
        "section",
        { dataset: { section: "after-sale" } },
        kv([
          [["订单", "Order"], h("a", { href: `#/orders/${a.order_id}`, dataset: { role: "order" } }, a.order_no)],
          [["类型", "Type"], `${tzh} ${ten}`],
          [["退款金额", "Refund"], h("span", { dataset: { field: "refund_amount" } }, `¥${yuan(a.refund_amount)}`)],
          [["原因", "Reason"], h("span", { dataset: { field: "reason" } }, a.reason)],
          [["发起", "Requested by"], `${a.requested_by} · ${fullTime(a.created_at)}`],
          [["顾客", "Customer"], h("a", { href: `#/orders?user_id=${a.user_id}` }, `#${a.user_id}`)],
          [["拒绝原因", "Rejected because"], a.reject_reason],
          [["退货物流", "Return tracking"], a.return_tracking_no ? h("span", { dataset: { field: "return_tracking" } }, `${a.return_carrier_code || ""} ${a.return_tracking_no}`) : ""],
          [["退货地址", "Return address"], a.return_address ? `${a.return_address.name} · ${a.return_address.phone} · ${a.return_address.address}` : ""],
          [["可再售", "Resellable"], a.resellable === null || a.resellable === undefined ? "" : a.resellable ? "是，已退回库存 · yes, restocked" : "否 · no"],
          [["微信退款", "WeChat refund"], refund ? h("span", { dataset: { refundStatus: refund.status } }, `${rzh} ${ren} · ¥${yuan(refund.amount)}`) : ""],
        ]),
      ),
      h(
        "section",
        { dataset: { section: "items" } },
        h("h3", {}, ...bi("商品", "Items")),
        h(
          "table",
          { class: "lines" },
          h(
            "tbody",
            {},
            a.items.map((line) => h("tr", { dataset: { orderItemId: line.order_item_id } }, h("td", {}, line.title, h("span", { class: "sub muted" }, ` ${specsText(line.specs)}`)), h("td", { class: "num" }, `× ${line.quantity}`), h("td", { class: "num" }, `¥${yuan(line.amount)}`))),
          ),
        ),
      ),
      a.images && a.images.length ? h("section", {}, h("ul", { class: "review-images" }, a.images.map((url) => h("li", {}, h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt: "凭证 Picture", loading: "lazy" })))))) : "",
      h(
        "section",
        { dataset: { section: "history" } },
        h("h3", {}, ...bi("处理记录", "History")),
        h(
          "ol",
          { class: "timeline" },
          (a.history || []).map((step) =>
            h(
              "li",
              { dataset: { toState: step.to_state } },
              h("time", { datetime: step.created_at }, fullTime(step.created_at)),
              h("span", {}, ...bi(...(AFTER_SALE_STATES[step.to_state] || [step.to_state, ""]).slice(0, 2)), h("span", { class: "muted" }, ` · ${step.actor}`)),
              step.note ? h("span", { class: "note" }, step.note) : "",
            ),
          ),
        ),
      ),
      h("section", { dataset: { section: "actions" } }, error, actions.length ? h("div", { class: "form-actions" }, ...actions) : h("p", { class: "muted" }, "没有可执行的操作 · Nothing to do here")),
    );
  }

  async function load() {
    const attempt = (state.attempt = {});
    try {
      const found = await api.afterSales.get(id);
      if (!panel.isConnected || attempt !== state.attempt) return;
      render(found);
    } catch (err) {
      if (panel.isConnected) showError(err, error);
      if (!body.contains(error)) body.replaceChildren(error);
    }
  }
  load();
  return { id, refresh: load, close, panel };
}

export function mount(el, ctx, _params, query) {
  const { api, store } = ctx;
  const state = { page: 1, filter: filterOf(query), alive: true, drawer: null, loading: null };
  const error = errorLine();
  const tbody = h("tbody", { id: "after-sale-list" });
  const foot = h("div");
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(["状态", "State"], select("state", [["", "全部 All"], ...Object.entries(AFTER_SALE_STATES).map(([value, [zh, en]]) => [value, `${zh} ${en}`])], state.filter.state)),
    field(["类型", "Type"], select("type", [["", "全部 All"], ...Object.entries(AFTER_SALE_TYPES).map(([value, [zh, en]]) => [value, `${zh} ${en}`])], state.filter.type)),
    field(["开始日期", "From"], h("input", { name: "date_from", type: "date", value: state.filter.date_from })),
    field(["结束日期", "To"], h("input", { name: "date_to", type: "date", value: state.filter.date_to })),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit", class: "button button--primary" }, ...bi("筛选", "Filter"))),
  );
  el.append(
    screenHead(["售后", "After-sales"]),
    h(
      "section",
      { class: "panel" },
      form,
      error,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, ...bi("订单", "Order")),
              h("th", {}, ...bi("商品", "Items")),
              h("th", { class: "num" }, ...bi("退款", "Refund")),
              h("th", {}, ...bi("原因", "Reason")),
              h("th", {}, ...bi("状态", "State")),
              h("th", { class: "actions" }, ...bi("操作", "Actions")),
            ),
          ),
          tbody,
        ),
      ),
      foot,
    ),
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    for (const key of FILTERS) state.filter[key] = form.elements[key].value;
    state.page = 1;
    load();
  });

  function openDetail(id) {
    state.drawer = openAfterSaleDrawer(ctx, id, { onClose: () => (state.drawer = null) });
  }

  function row(a) {
    const [tzh, ten] = AFTER_SALE_TYPES[a.type] || [a.type, ""];
    const actions = afterSaleActions(ctx, a, { onDone: () => load(), onError: () => load() });
    return h(
      "tr",
      { dataset: { afterSaleId: a.id, state: a.state } },
      h("td", { class: "cell-title" }, h("a", { href: `#/orders/${a.order_id}`, dataset: { role: "order" } }, a.order_no), h("span", { class: "sub muted" }, `#${a.id} · ${tzh} ${ten} · ${fullTime(a.created_at)}`)),
      h("td", { "data-label": "商品", dataset: { role: "items" } }, itemsText(a)),
      h("td", { class: "num", "data-label": "退款", dataset: { role: "refund-amount" } }, `¥${yuan(a.refund_amount)}`),
      h("td", { "data-label": "原因", dataset: { role: "reason" } }, a.reason),
      h("td", {}, stateTag(a), a.return_tracking_no ? h("span", { class: "sub muted", dataset: { role: "return-tracking" } }, ` ${a.return_carrier_code || ""} ${a.return_tracking_no}`) : ""),
      h("td", { class: "actions" }, h("button", { type: "button", class: "button button--small button--ghost", dataset: { role: "details" }, onclick: () => openDetail(a.id) }, ...bi("详情", "Details")), ...actions),
    );
  }

  async function load() {
    const attempt = (state.loading = {});
    try {
      const page = await api.afterSales.list({ page: state.page, page_size: PAGE_SIZE, ...state.filter });
      if (!state.alive || attempt !== state.loading) return;
      error.hidden = true;
      tbody.replaceChildren(...page.items.map(row));
      foot.replaceChildren(
        page.items.length ? "" : h("div", { id: "after-sale-empty" }, empty("没有售后", "No after-sales")),
        page.total > PAGE_SIZE ? pager({ page: state.page, pageSize: PAGE_SIZE, total: page.total, onPage: (p) => ((state.page = p), load()) }) : "",
      );
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  function changed(id) {
    load();
    if (state.drawer && (!id || state.drawer.id === Number(id))) state.drawer.refresh();
  }

  const offs = [
    store.on("after_sale.*", (e) => !e.replayed && changed(e.data && e.data.after_sale_id)),
    store.on("admin.action", (e) => !e.replayed && e.data && e.data.target_type === "after_sale" && changed(e.data.target_id)),
    store.onSync((channel) => channel === "admin" && changed(null)),
  ];
  load();
  return {
    update(_params, next) {
      const wanted = filterOf(next);
      if (FILTERS.every((key) => wanted[key] === state.filter[key])) return;
      state.filter = wanted;
      for (const key of FILTERS) form.elements[key].value = wanted[key];
      state.page = 1;
      load();
    },
    unmount() {
      state.alive = false;
      if (state.drawer) state.drawer.close({ silent: true });
      for (const off of offs) off();
    },
  };
}
