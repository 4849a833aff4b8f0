// The audit log: who did what to which record, when and from where; filtered by action and
// time, newest first; a new entry appears as it is written (admin.action events).

import { actionLabel, fromLocalInput, fullTime } from "../format.js";
import { bi, debounce, errorLine, field, h, pager, screenHead, showError } from "../dom.js";

const PAGE_SIZE = 30;

function targetLink(entry) {
  const id = entry.target_id;
  if (entry.target_type === "order") return h("a", { href: `#/orders/${id}` }, `order #${id}`);
  if (entry.target_type === "product") return h("a", { href: `#/products/${id}` }, `product #${id}`);
  return entry.target_type ? `${entry.target_type} #${id}` : "";
}

function detailText(detail) {
  const text = JSON.stringify(detail || {});
  return text === "{}" ? "" : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function mount(el, ctx) {
  const { api, store } = ctx;
  const state = { page: 1, filter: {}, alive: true };
  const error = errorLine();
  const tbody = h("tbody", { id: "log-list" });
  const foot = h("div");
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(["操作", "Action"], h("input", { name: "action", maxlength: 64, placeholder: "order.ship" })),
    field(["从（北京时间）", "Since"], h("input", { name: "since", type: "datetime-local" })),
    field(["到", "Until"], h("input", { name: "until", type: "datetime-local" })),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit", class: "button button--primary" }, ...bi("筛选", "Filter"))),
  );
  el.append(
    screenHead(["操作日志", "Audit log"]),
    h(
      "section",
      { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", {}, ...bi("谁在何时做了什么", "Who did what, when"))),
      form,
      error,
      h("div", { class: "table-wrap" }, h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, ...bi("时间", "When")), h("th", {}, ...bi("员工", "Who")), h("th", {}, ...bi("操作", "What")), h("th", {}, ...bi("对象", "Target")), h("th", {}, ...bi("详情", "Detail")))), tbody)),
      foot,
    ),
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    state.filter = {
      action: form.elements.action.value.trim(),
      since: fromLocalInput(form.elements.since.value),
      until: fromLocalInput(form.elements.until.value),
    };
    state.page = 1;
    load();
  });

  function row(entry) {
    const [zh, en] = actionLabel(entry.action);
    return h(
      "tr",
      { dataset: { logId: entry.id, action: entry.action } },
      h("td", { "data-label": "时间" }, fullTime(entry.created_at)),
      h("td", { "data-label": "员工" }, entry.admin_username, entry.ip ? h("span", { class: "sub muted" }, ` ${entry.ip}`) : null),
      h("td", {}, `${zh} `, h("small", {}, `${en} · ${entry.action}`)),
      h("td", { "data-label": "对象" }, targetLink(entry)),
      h("td", { class: "mono", "data-label": "详情" }, detailText(entry.detail)),
    );
  }

  async function load() {
    try {
      const page = await api.logs.list({ page: state.page, page_size: PAGE_SIZE, ...state.filter });
      if (!state.alive) return;
      tbody.replaceChildren(...page.items.map(row));
      if (!page.items.length) tbody.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "empty" }, "没有记录 · Nothing logged")));
      foot.replaceChildren(page.total > PAGE_SIZE ? pager({ page: state.page, pageSize: PAGE_SIZE, total: page.total, onPage: (p) => ((state.page = p), load()) }) : "");
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const reload = debounce(() => state.page === 1 && load(), 200);
  const off = store.on("admin.action", (e) => !e.replayed && reload());
  load();
  return {
    unmount() {
      state.alive = false;
      reload.cancel();
      off();
    },
  };
}
