// Customers: search by nickname, phone or openid; ban (their tokens stop at once) or
// unban; approve or reject a nickname WeChat's content check held for staff; each one's
// orders a click away.

import { bi, dialog, errorLine, field, h, pager, screenHead, select, showError, toast } from "../dom.js";
import { fullTime } from "../format.js";

const PAGE_SIZE = 20;

export function mount(el, ctx) {
  const { api, store, can } = ctx;
  const state = { page: 1, filter: {}, alive: true };
  const error = errorLine();
  const tbody = h("tbody", { id: "customer-list" });
  const foot = h("div");
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", { class: "field field--search" }, h("span", {}, ...bi("搜索", "Search")), h("input", { name: "q", type: "search", maxlength: 64, placeholder: "昵称 / 手机号 / openid" })),
    field(["状态", "State"], select("banned", [["", "全部 All"], ["false", "正常 Active"], ["true", "已封禁 Banned"]], "")),
    field(["昵称审核", "Nickname"], select("nickname_pending", [["", "全部 All"], ["true", "待审核 Waiting"]], "")),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit", class: "button button--primary" }, ...bi("筛选", "Filter"))),
  );
  el.append(
    screenHead(["顾客", "Customers"]),
    h(
      "section",
      { class: "panel" },
      form,
      error,
      h("div", { class: "table-wrap" }, h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, ...bi("顾客", "Customer")), h("th", {}, ...bi("手机号", "Phone")), h("th", {}, ...bi("注册", "Joined")), h("th", {}, ...bi("状态", "State")), h("th", { class: "actions" }, ...bi("操作", "Actions")))), tbody)),
      foot,
    ),
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    state.filter = { q: form.elements.q.value.trim(), banned: form.elements.banned.value, nickname_pending: form.elements.nickname_pending.value };
    state.page = 1;
    load();
  });

  async function ban(user) {
    const done = await dialog({
      name: "ban",
      title: ["封禁顾客", "Ban the customer"],
      submitLabel: ["封禁", "Ban"],
      danger: true,
      build: (f) => f.append(h("p", { class: "dialog-text" }, "登录立即失效，无法下单。 · Their sign-in ends at once; they cannot order."), field(["原因", "Reason"], h("input", { name: "reason", maxlength: 255 }))),
      submit: (f) => api.users.ban(user.id, f.elements.reason.value.trim()),
    });
    if (done) load();
  }

  async function unban(user) {
    try {
      await api.users.unban(user.id);
      toast("info", "已解封 · Unbanned", user.nickname || `#${user.id}`);
      load();
    } catch (err) {
      showError(err, error);
    }
  }

  async function decide(user, approve) {
    try {
      await api.users.decideNickname(user.id, approve, user.nickname_pending);
      toast("info", approve ? "昵称已通过 · Nickname approved" : "昵称已驳回 · Nickname rejected", user.nickname_pending);
      load();
    } catch (err) {
      showError(err, error);
      load();
    }
  }

  function pendingNickname(user) {
    if (!user.nickname_pending) return null;
    return h(
      "div",
      { class: "sub", dataset: { nicknamePending: user.nickname_pending } },
      h("span", { class: "tag tag--warn" }, "昵称待审 Held: ", user.nickname_pending),
      can("reviews.write") ? h("button", { type: "button", class: "button button--small", dataset: { action: "approve-nickname" }, onclick: () => decide(user, true) }, ...bi("通过", "Approve")) : null,
      can("reviews.write") ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "reject-nickname" }, onclick: () => decide(user, false) }, ...bi("驳回", "Reject")) : null,
    );
  }

  function row(user) {
    return h(
      "tr",
      { dataset: { userId: user.id, banned: String(user.banned) } },
      h("td", {}, user.nickname || "—", h("span", { class: "sub muted" }, ` #${user.id}`), pendingNickname(user)),
      h("td", { "data-label": "手机号" }, user.phone || "—"),
      h("td", { "data-label": "注册" }, fullTime(user.created_at)),
      h("td", {}, h("span", { class: `tag ${user.banned ? "tag--warn" : "tag--on"}`, title: user.banned_reason || "" }, user.banned ? "已封禁 Banned" : "正常 Active")),
      h(
        "td",
        { class: "actions" },
        can("orders.read") ? h("a", { class: "button button--small button--ghost", href: `#/orders?user_id=${user.id}` }, ...bi("订单", "Orders")) : null,
        can("users.ban") ? h("button", { type: "button", class: "button button--small", dataset: { action: user.banned ? "unban" : "ban" }, onclick: () => (user.banned ? unban(user) : ban(user)) }, ...(user.banned ? bi("解封", "Unban") : bi("封禁", "Ban"))) : null,
      ),
    );
  }

  async function load() {
    try {
      const page = await api.users.list({ page: state.page, page_size: PAGE_SIZE, ...state.filter });
      if (!state.alive) return;
      tbody.replaceChildren(...page.items.map(row));
      foot.replaceChildren(page.total > PAGE_SIZE ? pager({ page: state.page, pageSize: PAGE_SIZE, total: page.total, onPage: (p) => ((state.page = p), load()) }) : "");
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const off = store.on("admin.action", (e) => !e.replayed && e.data && e.data.target_type === "user" && load());
  const offHeld = store.on("user.nickname_review", (e) => !e.replayed && load());
  load();
  return {
    unmount() {
      state.alive = false;
      off();
      offHeld();
    },
  };
}
