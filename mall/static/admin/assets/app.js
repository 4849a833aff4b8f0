// The live order dashboard: sign-in, today's figures, the order list, and what /ws/admin
// says happens to them, applied as it happens.

import { Session } from "./api.js";
import { EVENTS, STATUSES, clock, specsText, statusLabel, when, yuan } from "./format.js";
import { LiveFeed } from "./live.js";

const PAGE_SIZE = 30;
const MAX_ROWS = 500;
const MAX_FEED = 50;
const STATS_DEBOUNCE_MS = 300;
const STATS_MAX_WAIT_MS = 3000;
const STATS_POLL_MS = 60_000;
const FIRST_SYNC_FALLBACK_MS = 1500;
const TOAST_MS = 6000;

const $ = (selector) => document.querySelector(selector);

/** A DOM element: h("td", {class: "num"}, "¥1.00"). Text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function bilingual(zh, en) {
  return [`${zh} `, h("small", {}, en)];
}

const session = new Session();

const state = {
  live: null,
  filter: "",
  orders: new Map(), // id -> {order, rev, row}
  total: 0,
  page: 0,
  syncing: false,
  syncAgain: false,
  changedWhileSyncing: new Set(),
  statsTimer: null,
  statsFirstQueued: 0,
  statsPoll: null,
  firstSync: null,
  products: new Map(), // product_id -> admin product, for low-stock names
  alerts: new Map(), // sku_id -> li
};

// ---------------------------------------------------------------- sign-in

function showLogin(message) {
  $("#dashboard-view").hidden = true;
  $("#login-view").hidden = false;
  const error = $("#login-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("#login-password").value = "";
  ($("#login-username").value ? $("#login-password") : $("#login-username")).focus();
}

function loginMessage(err) {
  if (err.status === 401) return "用户名或密码错误 · Wrong username or password";
  if (err.status === 403) return "账号已停用 · This account is disabled";
  if (err.status === 429) return "尝试次数过多，请稍后再试 · Too many attempts, try again later";
  if (err.status === 422 || err.status === 400) return "请输入用户名和密码 · Enter username and password";
  if (err.status === 0) return "无法连接服务器 · Cannot reach the server";
  return `登录失败 · Sign-in failed (${err.message})`;
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = $("#login-username").value.trim();
  const password = $("#login-password").value;
  const button = $("#login-submit");
  if (!username || !password) {
    showLogin("请输入用户名和密码 · Enter username and password");
    return;
  }
  button.disabled = true;
  try {
    await session.login(username, password);
    showDashboard();
  } catch (err) {
    showLogin(loginMessage(err));
  } finally {
    button.disabled = false;
  }
});

$("#logout").addEventListener("click", async () => {
  stopDashboard();
  await session.logout();
  showLogin();
});

session.addEventListener("expired", () => {
  stopDashboard();
  showLogin("登录已过期，请重新登录 · Your session expired, please sign in again");
});

// ---------------------------------------------------------------- dashboard

function showDashboard() {
  $("#login-view").hidden = true;
  $("#dashboard-view").hidden = false;
  const admin = session.admin || {};
  $("#admin-name").textContent = admin.display_name || admin.username || "";
  renderFilter();
  state.live = new LiveFeed({
    session,
    onEvent: applyEvent,
    onState: renderConnection,
    onSync: () => {
      clearTimeout(state.firstSync);
      sync();
    },
    onUnauthorized: () => session.dispatchEvent(new Event("expired")),
  });
  state.live.start();
  // Normally the socket's welcome starts the first load; don't wait long if it is slow.
  state.firstSync = setTimeout(sync, FIRST_SYNC_FALLBACK_MS);
  state.statsPoll = setInterval(refreshStats, STATS_POLL_MS);
}

function stopDashboard() {
  if (state.live) state.live.stop();
  state.live = null;
  clearTimeout(state.firstSync);
  clearTimeout(state.statsTimer);
  clearInterval(state.statsPoll);
  state.statsTimer = null;
  state.filter = "";
  state.total = 0;
  state.orders.clear();
  state.alerts.clear();
  state.products.clear();
  // Nothing of this admin's view stays on the page for the next one to sign in.
  $("#orders-body").replaceChildren();
  $("#activity").replaceChildren();
  $("#alerts").replaceChildren();
  $("#activity-empty").hidden = false;
  $("#alerts-empty").hidden = false;
  $("#orders-total").textContent = "";
  $("#stats-updated").textContent = "";
  for (const value of document.querySelectorAll(".stat-value")) value.textContent = "—";
  for (const note of document.querySelectorAll(".stat-note[data-note]")) note.textContent = "";
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
    await Promise.all([loadOrders({ reset: true }), refreshStats()]);
  } finally {
    state.syncing = false;
    // The snapshot may predate these events or not: ask the API for the truth.
    for (const id of state.changedWhileSyncing) refreshOrder(id, { flash: "changed" });
    state.changedWhileSyncing.clear();
    if (state.syncAgain) {
      state.syncAgain = false;
      sync();
    }
  }
}

// ---------------------------------------------------------------- connection

const CONNECTION_TEXT = {
  connecting: ["连接中", "Connecting…"],
  open: ["实时", "Live"],
  reconnecting: ["重连中", "Reconnecting…"],
  offline: ["离线", "Offline"],
  closed: ["未连接", "Disconnected"],
};

function renderConnection(connection, detail) {
  const pill = $("#connection");
  pill.dataset.state = connection;
  let [zh, en] = CONNECTION_TEXT[connection] || [connection, ""];
  if (connection === "reconnecting" && detail.delayMs >= 1000) {
    const seconds = Math.round(detail.delayMs / 1000);
    en = `Retrying in ${seconds}s`;
    zh = `${seconds} 秒后重连`;
  }
  $("#connection-text").replaceChildren(...bilingual(zh, en));
  pill.title = connection === "open" ? "实时推送已连接 · Receiving live events" : "";
}

// ---------------------------------------------------------------- figures

async function refreshStats() {
  if (!session.can("stats.read")) {
    for (const card of document.querySelectorAll(".stat .stat-note[data-note]")) {
      card.textContent = "无权限 · No permission";
    }
    return;
  }
  try {
    const stats = await session.api("/api/admin/stats/overview");
    renderStats(stats);
  } catch (err) {
    if (err.status !== 401) $("#stats-updated").textContent = `数据未更新 · Figures not updated (${err.message})`;
  }
}

function setStat(name, text, alert = false) {
  const card = document.querySelector(`.stat[data-stat="${name}"]`);
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
  document.querySelector('[data-note="pending_payment"]').textContent =
    `${stats.pending_payment} 笔待付款 · pending payment`;
  document.querySelector('[data-note="paid_orders_today"]').textContent =
    `${stats.paid_orders_today} 笔已付款 · paid orders`;
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

// ---------------------------------------------------------------- orders

function renderFilter() {
  const nav = $("#status-filter");
  const chip = (value, zh, en) => {
    const button = h("button", { class: "chip", type: "button", "aria-pressed": String(state.filter === value), dataset: { status: value } }, zh, " ", h("small", {}, en));
    button.addEventListener("click", () => {
      if (state.filter === value) return;
      state.filter = value;
      for (const other of nav.children) other.setAttribute("aria-pressed", String(other === button));
      loadOrders({ reset: true });
    });
    return button;
  };
  nav.replaceChildren(
    chip("", "全部", "All"),
    ...Object.entries(STATUSES).map(([value, [zh, en]]) => chip(value, zh, en)),
  );
}

async function loadOrders({ reset }) {
  if (!session.can("orders.read")) {
    $("#orders-empty").textContent = "无权查看订单 · You may not view orders";
    $("#orders-empty").hidden = false;
    return;
  }
  const page = reset ? 1 : state.page + 1;
  const query = new URLSearchParams({ page: String(page), page_size: String(PAGE_SIZE) });
  if (state.filter) query.set("status", state.filter);
  const filter = state.filter;
  let result;
  try {
    result = await session.api(`/api/admin/orders?${query}`);
  } catch (err) {
    if (err.status !== 401) toast("error", "订单加载失败 · Orders did not load", err.message);
    return;
  }
  if (filter !== state.filter) return; // the filter changed meanwhile; its own load wins
  if (reset) {
    state.orders.clear();
    $("#orders-body").replaceChildren();
  }
  state.page = page;
  state.total = result.total;
  for (const order of result.items) upsertOrder(order);
  renderTotals();
}

$("#orders-more").addEventListener("click", () => loadOrders({ reset: false }));
$("#orders-reload").addEventListener("click", () => sync());

function renderTotals() {
  const shown = state.orders.size;
  $("#orders-total").textContent = String(state.total);
  $("#orders-empty").hidden = shown > 0;
  $("#orders-empty").textContent = state.filter ? "没有此状态的订单 · No orders in this state" : "暂无订单 · No orders yet";
  $("#orders-foot").hidden = shown >= state.total || shown >= MAX_ROWS;
}

function matchesFilter(status) {
  return !state.filter || state.filter === status;
}

/** Insert or replace an order's row, keeping newest (highest id) first. */
function upsertOrder(order, { flash } = {}) {
  let entry = state.orders.get(order.id);
  if (!entry) {
    entry = { order, rev: 0, row: null };
    state.orders.set(order.id, entry);
  }
  entry.order = order;
  const row = orderRow(order);
  if (entry.row && entry.row.isConnected) {
    entry.row.replaceWith(row);
  } else {
    const body = $("#orders-body");
    const after = [...body.children].find((tr) => Number(tr.dataset.orderId) < order.id);
    body.insertBefore(row, after || null);
  }
  entry.row = row;
  if (flash) {
    row.classList.add(flash === "new" ? "is-new" : "is-changed");
  }
  trimRows();
  return entry;
}

function trimRows() {
  const body = $("#orders-body");
  while (body.children.length > MAX_ROWS) {
    const last = body.lastElementChild;
    state.orders.delete(Number(last.dataset.orderId));
    last.remove();
  }
}

function removeOrder(id) {
  const entry = state.orders.get(id);
  if (!entry) return;
  state.orders.delete(id);
  entry.row.remove();
}

function orderRow(order) {
  const [zh, en] = statusLabel(order.status);
  const items = order.items || [];
  const first = items[0];
  const pieces = items.reduce((sum, item) => sum + item.quantity, 0);
  const address = order.address || {};
  const thumb = h("span", { class: "thumb", "aria-hidden": "true" });
  if (first && first.cover_url) {
    // Layered: the placeholder shows through if the picture cannot load.
    thumb.style.backgroundImage = `url(${JSON.stringify(first.cover_url)}), url("/admin/assets/icon.svg")`;
    thumb.style.backgroundSize = "cover, 18px";
  }
  return h(
    "tr",
    { dataset: { orderId: order.id, orderNo: order.order_no, status: order.status } },
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
        thumb,
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
    h("td", { class: "cell-status" }, h("span", { class: "badge", dataset: { status: order.status } }, ...bilingual(zh, en))),
    h("td", { class: "cell-placed placed" }, h("time", { datetime: order.created_at }, when(order.created_at))),
  );
}

/** Fetch one order and show it as the API has it now. */
async function refreshOrder(id, { flash } = {}) {
  const entry = state.orders.get(id);
  const rev = entry ? entry.rev : 0;
  let order;
  try {
    order = await session.api(`/api/admin/orders/${id}`);
  } catch (err) {
    if (err.status === 404) removeOrder(id);
    return;
  }
  const current = state.orders.get(id);
  if (current && current.rev !== rev) {
    // An event overtook this answer: its status is the newer one.
    order = { ...order, status: current.order.status };
  }
  if (!current && !matchesFilter(order.status)) return;
  upsertOrder(order, { flash: current ? undefined : flash });
  renderTotals();
}

// ---------------------------------------------------------------- live events

function applyEvent(envelope) {
  const name = envelope.event;
  const data = envelope.data || {};
  if (name in EVENTS) {
    addActivity(envelope);
    scheduleStats();
  }
  if (name === "stock.low") {
    lowStock(data, envelope.at);
    return;
  }
  if (!name.startsWith("order.") || !data.order_id) return;
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
    const placeholder = {
      id: data.order_id,
      order_no: data.order_no,
      status: data.status,
      pay_amount: data.pay_amount,
      created_at: envelope.at,
      items: [],
      address: {},
    };
    upsertOrder(placeholder, { flash: "new" });
    state.total += 1;
    refreshOrder(data.order_id);
  }
  renderTotals();
}

function addActivity(envelope) {
  const [zh, en] = EVENTS[envelope.event];
  const data = envelope.data || {};
  let detail;
  if (envelope.event === "stock.low") {
    detail = `SKU #${data.sku_id} · 剩 ${data.stock} 件 · ${data.stock} left`;
  } else {
    detail = [data.order_no, data.pay_amount !== undefined ? `¥${yuan(data.pay_amount)}` : ""]
      .filter(Boolean)
      .join(" · ");
  }
  const item = h(
    "li",
    { dataset: { event: envelope.event, eventId: envelope.id } },
    h("time", { datetime: envelope.at }, when(envelope.at)),
    h("span", { class: "what" }, ...bilingual(zh, en)),
    h("span", { class: "detail" }, detail),
  );
  const list = $("#activity");
  list.prepend(item);
  while (list.children.length > MAX_FEED) list.lastElementChild.remove();
  $("#activity-empty").hidden = true;
}

/** "纯棉T恤（白 / M）": from the event when it says, else from the product (cached). */
async function skuName(data) {
  let title = data.title;
  let specs = data.specs;
  if (!title) {
    let product = state.products.get(data.product_id);
    if (!product && session.can("catalog.read")) {
      try {
        product = await session.api(`/api/admin/products/${data.product_id}`);
        state.products.set(data.product_id, product);
      } catch {
        product = null; // the ids will do
      }
    }
    title = product ? product.title : `商品 #${data.product_id}`;
    const sku = product && (product.skus || []).find((s) => s.id === data.sku_id);
    specs = sku ? sku.specs : null;
  }
  const text = specsText(specs) || `SKU #${data.sku_id}`;
  return `${title}（${text}）`;
}

async function lowStock(data, at) {
  const name = await skuName(data);
  toast("warning", "库存不足 · Low stock", `${name} 仅剩 ${data.stock} 件 · ${data.stock} left`);
  const list = $("#alerts");
  const old = state.alerts.get(data.sku_id);
  if (old) old.remove();
  const item = h(
    "li",
    { dataset: { skuId: data.sku_id, stock: data.stock } },
    h("time", { datetime: at }, when(at)),
    h("span", { class: "what" }, name),
    h("span", { class: "detail" }, h("span", { class: "alert-stock" }, `剩 ${data.stock} 件`), ` · ${data.stock} left, threshold ${data.threshold}`),
  );
  list.prepend(item);
  state.alerts.set(data.sku_id, item);
  while (list.children.length > MAX_FEED) {
    state.alerts.delete(Number(list.lastElementChild.dataset.skuId));
    list.lastElementChild.remove();
  }
  $("#alerts-empty").hidden = true;
}

// ---------------------------------------------------------------- toasts

function toast(kind, title, body) {
  const icon = { warning: "⚠", error: "✕", info: "✓" }[kind] || "•";
  const close = h("button", { class: "toast-close", type: "button", "aria-label": "关闭 Close" }, "×");
  const el = h(
    "div",
    { class: `toast toast--${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "toast-icon", "aria-hidden": "true" }, icon),
    h("div", {}, h("div", { class: "toast-title" }, title), h("div", { class: "toast-body" }, body)),
    close,
  );
  close.addEventListener("click", () => el.remove());
  const box = $("#toasts");
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => el.remove(), TOAST_MS);
}

// ---------------------------------------------------------------- start

if (session.active) {
  session.resume();
  showDashboard();
} else {
  showLogin();
}
