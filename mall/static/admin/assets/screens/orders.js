// Orders: every filter of GET /api/admin/orders (status, shop-local date range, order_no,
// customer, phone) and a search box, a page of orders kept live, and the order drawer
// (#/orders/<id>) over the list. The filter lives in the route, so a link keeps it.

import { ordersTable, orderRow } from "../components/order-row.js";
import { bi, button, debounce, dialog, field, h, pager, screenHead, select, showError, errorLine, toast } from "../dom.js";
import { STATUSES } from "../format.js";
import { openOrderDrawer } from "./order-drawer.js";

const PAGE_SIZE = 20;
const FILTERS = ["status", "date_from", "date_to", "order_no", "phone", "user_id", "q"];
const PHONE = /^1\d{10}$/;

/** The API's filter from the route's: the search box is an order number or a phone. */
function apiFilter(filter, page) {
  const query = { page, page_size: PAGE_SIZE };
  for (const key of ["status", "date_from", "date_to", "order_no", "phone", "user_id"]) {
    if (filter[key]) query[key] = filter[key];
  }
  const q = (filter.q || "").trim();
  if (q && PHONE.test(q)) query.phone = q;
  else if (q) query.order_no = q;
  return query;
}

function filterOf(query) {
  const filter = {};
  for (const key of FILTERS) filter[key] = query.get(key) || "";
  filter.page = Math.max(1, Number(query.get("page")) || 1);
  return filter;
}

/** Ship from a CSV file (order_no,carrier_code,tracking_no); each row's result shown. */
function shipBatchDialog(ctx) {
  return dialog({
    name: "ship-batch",
    title: ["批量发货", "Ship from a CSV file"],
    submitLabel: ["上传并发货", "Upload and ship"],
    build(form) {
      form.append(
        h("p", { class: "dialog-text muted" }, "每行：订单号,快递公司编码,运单号（可有表头；UTF-8 或 GBK） · One order_no,carrier_code,tracking_no per row."),
        field(["CSV 文件", "CSV file"], h("input", { name: "file", type: "file", accept: ".csv,text/csv", required: true })),
      );
    },
    submit: (form) => {
      const file = form.elements.file.files[0];
      if (!file) throw new Error("请选择文件 · Choose a file");
      return ctx.api.orders.shipBatch(file);
    },
  });
}

function batchResult(result) {
  const failed = result.rows.filter((row) => row.result === "failed");
  return dialog({
    name: "ship-batch-result",
    title: ["批量发货结果", "Batch shipping"],
    submitLabel: ["好", "OK"],
    build(form) {
      form.append(
        h("p", { class: "dialog-text", dataset: { role: "batch-summary" } }, `已发货 ${result.shipped} · shipped ${result.shipped}；失败 ${result.failed} · failed ${result.failed}`),
        failed.length
          ? h(
              "ul",
              { class: "batch-failures" },
              failed.map((row) => h("li", { dataset: { row: row.row } }, `第 ${row.row} 行 row ${row.row} · ${row.order_no || "—"} · ${row.error.code}: ${row.error.message}`)),
            )
          : null,
      );
    },
    submit: () => true,
  });
}

async function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function mount(el, ctx, params, query) {
  const { api, store, navigate } = ctx;
  const state = { filter: filterOf(query), rows: new Map(), total: 0, drawer: null, alive: true, loading: null };

  const form = h(
    "form",
    { class: "filters", id: "order-filters", role: "search" },
    field(["搜索", "Search"], h("input", { name: "q", type: "search", placeholder: "订单号或手机号 · order no. or phone", value: state.filter.q }), {}),
    field(["状态", "Status"], select("status", [["", "全部 All"], ...Object.entries(STATUSES).map(([v, [zh, en]]) => [v, `${zh} ${en}`])], state.filter.status)),
    field(["开始日期", "From"], h("input", { name: "date_from", type: "date", value: state.filter.date_from })),
    field(["结束日期", "To"], h("input", { name: "date_to", type: "date", value: state.filter.date_to })),
    field(["订单号", "Order no."], h("input", { name: "order_no", inputmode: "numeric", maxlength: 32, value: state.filter.order_no, size: 14 })),
    field(["手机号", "Phone"], h("input", { name: "phone", inputmode: "tel", maxlength: 32, value: state.filter.phone, size: 12 })),
    field(["顾客 ID", "Customer id"], h("input", { name: "user_id", inputmode: "numeric", maxlength: 19, value: state.filter.user_id, size: 8 })),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit", class: "button button--primary" }, ...bi("筛选", "Filter")), h("button", { type: "reset", class: "button button--ghost" }, ...bi("清空", "Clear"))),
  );
  form.querySelector('[name="q"]').closest(".field").classList.add("field--search");
  const error = errorLine();
  const body = h("div", { class: "table-wrap" }, ordersTable("order-list"), h("p", { id: "order-list-empty", class: "empty", hidden: true }, "没有符合条件的订单 · No orders match"));
  const foot = h("div", { id: "order-pager" });
  const count = h("span", { class: "count", id: "order-count" });
  const headActions = [];
  if (ctx.can("orders.export")) {
    headActions.push(
      button(["导出 CSV", "Export CSV"], async (e) => {
        const target = e.currentTarget;
        target.disabled = true;
        try {
          const filter = apiFilter(state.filter, 1);
          delete filter.page;
          delete filter.page_size;
          const blob = await api.orders.exportCsv(filter);
          await download(blob, `orders-${new Date().toISOString().slice(0, 10)}.csv`);
        } catch (err) {
          showError(err, error);
        } finally {
          target.disabled = false;
        }
      }, { dataset: { action: "export-orders" } }),
    );
  }
  if (ctx.can("orders.write")) {
    headActions.push(
      button(["批量发货", "Ship from CSV"], async () => {
        const result = await shipBatchDialog(ctx);
        if (result && result.rows) {
          toast(result.failed ? "warning" : "info", "批量发货 · Batch shipping", `${result.shipped} shipped, ${result.failed} failed`);
          await batchResult(result);
          load();
        }
      }, { dataset: { action: "ship-batch" } }),
    );
  }
  el.append(
    screenHead(["订单", "Orders"], ...headActions),
    h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", {}, ...bi("订单列表", "Order list"), count)), form, error, body, foot),
  );
  const tbody = el.querySelector("#order-list");

  function routeQuery(filter, page) {
    const q = {};
    for (const key of FILTERS) if (filter[key]) q[key] = filter[key];
    if (page > 1) q.page = page;
    return q;
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const filter = {};
    for (const key of FILTERS) filter[key] = (form.elements[key].value || "").trim();
    navigate("/orders", routeQuery(filter, 1));
  });
  form.addEventListener("reset", (e) => {
    e.preventDefault();
    navigate("/orders");
  });

  async function load() {
    const attempt = (state.loading = {});
    const { filter } = state;
    let result;
    try {
      result = await api.orders.list(apiFilter(filter, filter.page));
    } catch (err) {
      if (state.alive) showError(err, error);
      return;
    }
    if (!state.alive || attempt !== state.loading) return;
    error.hidden = true;
    state.total = result.total;
    state.rows.clear();
    tbody.replaceChildren(...result.items.map((order) => put(order)));
    render();
  }

  function put(order) {
    const row = orderRow(order, { onOpen: (id) => navigate(`/orders/${id}`, routeQuery(state.filter, state.filter.page)) });
    const old = state.rows.get(order.id);
    if (old && old.isConnected) old.replaceWith(row);
    state.rows.set(order.id, row);
    return row;
  }

  function render() {
    count.textContent = String(state.total);
    el.querySelector("#order-list-empty").hidden = state.rows.size > 0;
    foot.replaceChildren(
      state.total > PAGE_SIZE
        ? pager({ page: state.filter.page, pageSize: PAGE_SIZE, total: state.total, onPage: (page) => navigate("/orders", routeQuery(state.filter, page)) })
        : "",
    );
  }

  async function refreshRow(id) {
    try {
      const order = await api.orders.get(id);
      if (!state.alive || !state.rows.has(id)) return;
      put(order).classList.add("is-changed");
    } catch {
      // gone or not allowed: the next load says so
    }
  }

  // A new order (or one that now matches) shows on the first page; others update in place.
  const reloadFirstPage = debounce(() => state.filter.page === 1 && load(), 250);

  function orderChanged(id) {
    if (state.rows.has(id)) refreshRow(id);
    else reloadFirstPage();
  }

  function openDrawerFor(id) {
    if (state.drawer && state.drawer.id === id) return;
    if (state.drawer) state.drawer.close();
    state.drawer = openOrderDrawer(ctx, id, {
      onClose: () => {
        state.drawer = null;
        navigate("/orders", routeQuery(state.filter, state.filter.page));
      },
    });
  }

  function closeDrawerIfAny() {
    if (state.drawer) state.drawer.close();
    state.drawer = null;
  }

  const offs = [
    store.on("order.*", (e) => {
      if (!e.replayed && e.data && e.data.order_id) orderChanged(e.data.order_id);
    }),
    store.on("admin.action", (e) => {
      if (!e.replayed && e.data && e.data.target_type === "order") orderChanged(Number(e.data.target_id));
    }),
    store.onSync((channel) => channel === "admin" && load()),
  ];

  function apply(newParams, newQuery) {
    const filter = filterOf(newQuery);
    const changed = FILTERS.some((key) => filter[key] !== state.filter[key]) || filter.page !== state.filter.page;
    state.filter = filter;
    if (changed) {
      for (const key of FILTERS) if (form.elements[key]) form.elements[key].value = filter[key];
      load();
    }
    const id = Number(newParams.id);
    if (newParams.id && id > 0) openDrawerFor(id);
    else closeDrawerIfAny();
  }

  load();
  apply(params, query);

  return {
    update: apply,
    unmount() {
      state.alive = false;
      reloadFirstPage.cancel();
      for (const off of offs) off();
      closeDrawerIfAny();
    },
  };
}
