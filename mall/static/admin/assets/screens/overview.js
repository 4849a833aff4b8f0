// Overview: today's figures, the latest orders as they arrive and change, the SKUs low
// on stock now, and the recent activity of the admin stream; all live.

import { ordersTable, orderRow } from "../components/order-row.js";
import { ActivityFeed } from "../components/activity.js";
import { LowStockList } from "../components/low-stock.js";
import { bi, h, toast } from "../dom.js";
import { STATUSES, clock, yuan } from "../format.js";

const PAGE_SIZE = 30;
const MAX_ROWS = 500;
const STATS_DEBOUNCE_MS = 300;
const STATS_MAX_WAIT_MS = 3000;
const STATS_POLL_MS = 60_000;

const STAT_CARDS = [
  ["orders_today", ["今日订单", "Orders today"], "pending_payment", ""],
  ["paid_amount_today", ["今日成交", "Paid today"], "paid_orders_today", "stat--money"],
  ["pending_shipment", ["待发货", "To ship"], null, "", "已付款未发货 paid, not shipped"],
  ["pending_refunds", ["待处理退款", "Refund requests"], null, "", "等待审核 awaiting review"],
  ["low_stock_skus", ["库存预警", "Low-stock SKUs"], null, "", "在售规格 SKUs on sale"],
];

function layout() {
  return [
    h(
      "section",
      { class: "stats", "aria-label": "今日数据 Today" },
      STAT_CARDS.map(([name, [zh, en], note, cls, text]) =>
        h(
          "a",
          { class: `stat ${cls}`, dataset: { stat: name }, href: statLink(name) },
          h("h2", {}, ...bi(zh, en)),
          h("p", { class: "stat-value" }, "—"),
          h("p", { class: "stat-note", dataset: note ? { note } : {} }, text || ""),
        ),
      ),
    ),
    h("p", { id: "stats-updated", class: "updated muted" }),
    h(
      "div",
      { class: "columns" },
      h(
        "section",
        { class: "panel orders-panel", "aria-labelledby": "orders-title" },
        h(
          "div",
          { class: "panel-head" },
          h("h2", { id: "orders-title" }, ...bi("最新订单", "Latest orders"), h("span", { id: "orders-total", class: "count" })),
          h(
            "div",
            { class: "panel-tools" },
            h("a", { class: "button button--ghost button--small", href: "#/orders" }, ...bi("全部订单", "All orders")),
            h("button", { id: "orders-reload", class: "button button--ghost button--small", type: "button", title: "重新加载 Reload" }, "↻"),
          ),
        ),
        h("nav", { id: "status-filter", class: "chips", "aria-label": "按状态筛选 Filter by status" }),
        h("div", { class: "table-wrap" }, ordersTable("orders-body"), h("p", { id: "orders-empty", class: "empty", hidden: true }, "暂无订单 · No orders yet")),
        h("div", { id: "orders-foot", class: "panel-foot", hidden: true }, h("button", { id: "orders-more", class: "button button--ghost", type: "button" }, ...bi("加载更多", "Load more"))),
      ),
      h(
        "aside",
        { class: "side" },
        h(
          "section",
          { class: "panel", "aria-labelledby": "alerts-title" },
          h("div", { class: "panel-head" }, h("h2", { id: "alerts-title" }, ...bi("库存预警", "Low stock")), h("a", { class: "button button--ghost button--small", href: "#/stock" }, ...bi("库存", "Stock"))),
          h("ul", { id: "alerts", class: "feed" }),
          h("p", { id: "alerts-empty", class: "empty empty--small" }, "暂无预警 · No alerts"),
        ),
        h(
          "section",
          { class: "panel", "aria-labelledby": "activity-title" },
          h("div", { class: "panel-head" }, h("h2", { id: "activity-title" }, ...bi("实时动态", "Activity"))),
          h("ul", { id: "activity", class: "feed" }),
          h("p", { id: "activity-empty", class: "empty empty--small" }, "等待新事件 · Waiting for events"),
        ),
      ),
    ),
  ];
}

function statLink(name) {
  return {
    orders_today: "#/orders",
    paid_amount_today: "#/orders",
    pending_shipment: "#/orders?status=paid",
    pending_refunds: "#/orders?status=refunding",
    low_stock_skus: "#/stock",
  }[name];
}

export function mount(el, ctx) {
  const { api, store, can, navigate } = ctx;
  el.append(...layout());
  const $ = (selector) => el.querySelector(selector);
  const state = {
    filter: "",
    orders: new Map(), // id -> {order, rev, row}
    total: 0,
    page: 0,
    syncing: false,
    syncAgain: false,
    changedWhileSyncing: new Set(),
    statsTimer: null,
    statsFirstQueued: 0,
    alive: true,
  };
  const offs = [];

  // ------------------------------------------------------------ figures

  async function refreshStats() {
    if (!can("stats.read")) {
      for (const note of el.querySelectorAll(".stat .stat-note[data-note]")) note.textContent = "无权限 · No permission";
      return;
    }
    try {
      const stats = await api.stats.overview();
      if (state.alive) renderStats(stats);
    } catch (err) {
      if (err.status !== 401 && state.alive) $("#stats-updated").textContent = `数据未更新 · Figures not updated (${err.message})`;
    }
  }

  function setStat(name, text, alert = false) {
    const card = el.querySelector(`.stat[data-stat="${name}"]`);
    const value = card.querySelector(".stat-value");
    if (value.textContent !== text && value.textContent !== "—") {
      card.classList.remove("is-bumped");
      void card.offsetWidth; // restart the animation
      card.classList.add("is-bumped");
    }
    value.textContent = text;
    card.dataset.alert = String(alert);
  }

  function renderStats(stats) {
    setStat("orders_today", String(stats.orders_today));
    setStat("paid_amount_today", yuan(stats.paid_amount_today));
    setStat("pending_shipment", String(stats.pending_shipment));
    setStat("pending_refunds", String(stats.pending_refunds), stats.pending_refunds > 0);
    setStat("low_stock_skus", String(stats.low_stock_skus), stats.low_stock_skus > 0);
    el.querySelector('[data-note="pending_payment"]').textContent = `${stats.pending_payment} 笔待付款 · pending payment`;
    el.querySelector('[data-note="paid_orders_today"]').textContent = `${stats.paid_orders_today} 笔已付款 · paid orders`;
    $("#stats-updated").textContent = `${stats.date} 数据 · Figures as of ${clock()} (北京时间 Beijing time)`;
  }

  /** Figures change with nearly every event: refresh once things settle (or every 3 s at most). */
  function scheduleStats() {
    const now = Date.now();
    if (!state.statsTimer) state.statsFirstQueued = now;
    clearTimeout(state.statsTimer);
    const waited = now - state.statsFirstQueued;
    const delay = Math.max(0, Math.min(STATS_DEBOUNCE_MS, STATS_MAX_WAIT_MS - waited));
    state.statsTimer = setTimeout(() => {
      state.statsTimer = null;
      refreshStats();
    }, delay);
  }

  // ------------------------------------------------------------ orders

  function renderFilter() {
    const nav = $("#status-filter");
    const chip = (value, zh, en) => {
      const b = h("button", { class: "chip", type: "button", "aria-pressed": String(state.filter === value), dataset: { status: value } }, zh, " ", h("small", {}, en));
      b.addEventListener("click", () => {
        if (state.filter === value) return;
        state.filter = value;
        for (const other of nav.children) other.setAttribute("aria-pressed", String(other === b));
        loadOrders({ reset: true });
      });
      return b;
    };
    nav.replaceChildren(chip("", "全部", "All"), ...Object.entries(STATUSES).map(([value, [zh, en]]) => chip(value, zh, en)));
  }

  async function loadOrders({ reset }) {
    if (!can("orders.read")) {
      $("#orders-empty").textContent = "无权查看订单 · You may not view orders";
      $("#orders-empty").hidden = false;
      return;
    }
    const page = reset ? 1 : state.page + 1;
    const filter = state.filter;
    let result;
    try {
      result = await api.orders.list({ page, page_size: PAGE_SIZE, status: filter });
    } catch (err) {
      if (err.status !== 401) toast("error", "订单加载失败 · Orders did not load", err.message);
      return;
    }
    if (!state.alive || filter !== state.filter) return; // the filter changed meanwhile
    if (reset) {
      state.orders.clear();
      $("#orders-body").replaceChildren();
    }
    state.page = page;
    state.total = result.total;
    for (const order of result.items) upsertOrder(order);
    renderTotals();
  }

  function renderTotals() {
    const shown = state.orders.size;
    $("#orders-total").textContent = String(state.total);
    $("#orders-empty").hidden = shown > 0;
    $("#orders-empty").textContent = state.filter ? "没有此状态的订单 · No orders in this state" : "暂无订单 · No orders yet";
    $("#orders-foot").hidden = shown >= state.total || shown >= MAX_ROWS;
  }

  const matchesFilter = (status) => !state.filter || state.filter === status;

  /** Insert or replace an order's row, keeping newest (highest id) first. */
  function upsertOrder(order, { flash } = {}) {
    let entry = state.orders.get(order.id);
    if (!entry) {
      entry = { order, rev: 0, row: null };
      state.orders.set(order.id, entry);
    }
    entry.order = order;
    const row = orderRow(order, { onOpen: (id) => navigate(`/orders/${id}`) });
    if (entry.row && entry.row.isConnected) {
      entry.row.replaceWith(row);
    } else {
      const body = $("#orders-body");
      const after = [...body.children].find((tr) => Number(tr.dataset.orderId) < order.id);
      body.insertBefore(row, after || null);
    }
    entry.row = row;
    if (flash) row.classList.add(flash === "new" ? "is-new" : "is-changed");
    const body = $("#orders-body");
    while (body.children.length > MAX_ROWS) {
      const last = body.lastElementChild;
      state.orders.delete(Number(last.dataset.orderId));
      last.remove();
    }
    return entry;
  }

  function removeOrder(id) {
    const entry = state.orders.get(id);
    if (!entry) return;
    state.orders.delete(id);
    entry.row.remove();
  }

  /** Fetch one order and show it as the API has it now. */
  async function refreshOrder(id, { flash } = {}) {
    const entry = state.orders.get(id);
    const rev = entry ? entry.rev : 0;
    let order;
    try {
      order = await api.orders.get(id);
    } catch (err) {
      if (err.status === 404) removeOrder(id);
      return;
    }
    if (!state.alive) return;
    const current = state.orders.get(id);
    if (current && current.rev !== rev) {
      // An event overtook this answer: its status is the newer one.
      order = { ...order, status: current.order.status };
    }
    if (!current && !matchesFilter(order.status)) return;
    upsertOrder(order, { flash: current ? undefined : flash });
    renderTotals();
  }

  /** Load the figures and the first page afresh; events meanwhile are applied after. */
  async function sync() {
    if (state.syncing) {
      state.syncAgain = true;
      return;
    }
    state.syncing = true;
    state.changedWhileSyncing.clear();
    try {
      await Promise.all([loadOrders({ reset: true }), refreshStats(), lowStock.load()]);
    } finally {
      state.syncing = false;
      // The snapshot may predate these events or not: ask the API for the truth.
      for (const id of state.changedWhileSyncing) refreshOrder(id, { flash: "changed" });
      state.changedWhileSyncing.clear();
      if (state.syncAgain && state.alive) {
        state.syncAgain = false;
        sync();
      }
    }
  }

  function orderEvent(envelope) {
    // Seen before a reload: the fresh load of this page already shows its outcome.
    if (envelope.replayed) return;
    const data = envelope.data || {};
    scheduleStats();
    if (!data.order_id || !can("orders.read")) return;
    if (state.syncing) {
      state.changedWhileSyncing.add(data.order_id);
      return;
    }
    const entry = state.orders.get(data.order_id);
    if (entry) {
      entry.rev += 1;
      if (data.status && data.status !== entry.order.status) {
        if (!matchesFilter(data.status)) {
          removeOrder(data.order_id);
          state.total = Math.max(0, state.total - 1);
        } else {
          upsertOrder({ ...entry.order, status: data.status }, { flash: "changed" });
        }
      }
    } else if (data.status && matchesFilter(data.status)) {
      // New to this list: show what the event says at once, then the full order.
      upsertOrder(
        { id: data.order_id, order_no: data.order_no, status: data.status, pay_amount: data.pay_amount, created_at: envelope.at, items: [], address: {} },
        { flash: "new" },
      );
      state.total += 1;
      refreshOrder(data.order_id);
    }
    renderTotals();
  }

  // ------------------------------------------------------------ wiring

  const lowStock = new LowStockList({ ctx, list: $("#alerts"), empty: $("#alerts-empty"), toastNew: true });
  const activity = new ActivityFeed({ store, list: $("#activity"), empty: $("#activity-empty") });

  renderFilter();
  $("#orders-more").addEventListener("click", () => loadOrders({ reset: false }));
  $("#orders-reload").addEventListener("click", () => sync());
  offs.push(
    store.on("order.*", orderEvent),
    store.on("stock.low", () => scheduleStats()),
    store.on("admin.action", (e) => {
      const data = e.data || {};
      // A rejected refund has no order event of its own; product edits move the figures.
      if (data.target_type === "order") {
        const id = Number(data.target_id);
        if (state.orders.has(id)) refreshOrder(id);
      }
      scheduleStats();
    }),
    store.onSync((channel) => {
      if (channel === "admin") sync();
    }),
  );
  const poll = setInterval(refreshStats, STATS_POLL_MS);
  sync();

  return {
    unmount() {
      state.alive = false;
      clearTimeout(state.statsTimer);
      clearInterval(poll);
      for (const off of offs) off();
      lowStock.destroy();
      activity.destroy();
    },
  };
}
