// Coupons: the templates with what was issued, create one, stop (or resume) one, delete
// one nobody claimed, and each one's usage (claimed, locked, used, expired, savings).

import { bi, confirm, dialog, errorLine, fenOf, field, h, pager, screenHead, select, showError, toast, yuanInput } from "../dom.js";
import { fromLocalInput, fullTime, yuan } from "../format.js";

const PAGE_SIZE = 20;
const TEMPLATE_FIELDS = ["name", "kind", "amount_off", "percent_off", "max_discount", "threshold", "valid_from", "valid_until", "valid_days", "total_limit", "per_user_limit", "scope", "scope_ids", "active"];

export function offerText(t) {
  const off = t.kind === "fixed" ? `减 ¥${yuan(t.amount_off)} · ¥${yuan(t.amount_off)} off` : `${t.percent_off}% off${t.max_discount ? ` (≤ ¥${yuan(t.max_discount)})` : ""}`;
  return t.threshold ? `满 ¥${yuan(t.threshold)} ${off}` : off;
}

function validityText(t) {
  if (t.valid_days) return `领取后 ${t.valid_days} 天 · ${t.valid_days} days after claim`;
  return [fullTime(t.valid_from), fullTime(t.valid_until)].filter(Boolean).join(" → ");
}

/** The template as PUT wants it, with changes. */
function templateBody(t, changes = {}) {
  const body = {};
  for (const key of TEMPLATE_FIELDS) body[key] = t[key];
  return { ...body, ...changes };
}

function createDialog(ctx) {
  return dialog({
    name: "coupon",
    title: ["新建优惠券", "New coupon"],
    submitLabel: ["创建", "Create"],
    build(form) {
      form.append(
        field(["名称", "Name"], h("input", { name: "name", required: true, maxlength: 64 })),
        field(["类型", "Kind"], select("kind", [["fixed", "满减 Amount off"], ["percent", "折扣 Percent off"]], "fixed")),
        field(["减免金额 (元)", "Amount off ¥"], yuanInput("amount_off", ""), { hint: "满减券 · for amount off" }),
        field(["折扣 (%)", "Percent off"], h("input", { name: "percent_off", type: "number", min: 1, max: 99, step: 1 }), { hint: "20 = 八折 · 20% off" }),
        field(["最多减 (元)", "Cap ¥"], yuanInput("max_discount", ""), { hint: "可空 · optional" }),
        field(["使用门槛 (元)", "Minimum spend ¥"], yuanInput("threshold", 0)),
        field(["领取后有效天数", "Valid days after claim"], h("input", { name: "valid_days", type: "number", min: 1, max: 3650, step: 1, value: 7 }), { hint: "或填写截止时间 · or give an end" }),
        field(["截止（北京时间）", "Valid until (Beijing time)"], h("input", { name: "valid_until", type: "datetime-local" })),
        field(["发放总量", "Total issued at most"], h("input", { name: "total_limit", type: "number", min: 1, step: 1 }), { hint: "可空：不限 · empty: no limit" }),
        field(["每人限领", "Per customer"], h("input", { name: "per_user_limit", type: "number", min: 1, max: 100, step: 1, value: 1 })),
      );
    },
    submit(form) {
      const v = (name) => form.elements[name].value.trim();
      const money = (name, optional) => {
        if (optional && !v(name)) return null;
        const fen = fenOf(v(name) || "0");
        if (Number.isNaN(fen)) throw new Error(`金额无效 · Not an amount: ${name}`);
        return fen;
      };
      const kind = v("kind");
      const body = {
        name: v("name"),
        kind,
        amount_off: kind === "fixed" ? money("amount_off") : 0,
        percent_off: kind === "percent" ? Number(v("percent_off")) || 0 : 0,
        max_discount: money("max_discount", true),
        threshold: money("threshold"),
        per_user_limit: Number(v("per_user_limit")) || 1,
        total_limit: v("total_limit") ? Number(v("total_limit")) : null,
        active: true,
      };
      if (v("valid_until")) body.valid_until = fromLocalInput(v("valid_until"));
      else body.valid_days = Number(v("valid_days")) || null;
      return ctx.api.coupons.create(body);
    },
  });
}

async function showUsage(ctx, t) {
  let usage;
  try {
    usage = await ctx.api.coupons.usage(t.id);
  } catch (err) {
    showError(err);
    return;
  }
  const rows = [
    [["已领取", "Issued"], usage.issued],
    [["未使用", "Unused"], usage.unused],
    [["待支付占用", "In unpaid orders"], usage.locked],
    [["已使用", "Used"], usage.used],
    [["已过期", "Expired"], usage.expired],
    [["成交订单", "Paid orders"], usage.orders],
    [["优惠金额", "Given off"], `¥${yuan(usage.discount_amount)}`],
  ];
  await dialog({
    name: "coupon-usage",
    title: ["用量", `Usage · ${t.name}`],
    submitLabel: ["关闭", "Close"],
    build(form) {
      form.append(h("dl", { class: "kv" }, rows.flatMap(([[zh, en], value]) => [h("dt", {}, ...bi(zh, en)), h("dd", { dataset: { usage: en.toLowerCase().replace(/\s+/g, "_") } }, String(value))])));
    },
    submit: async () => true,
  });
}

export function mount(el, ctx) {
  const { api, store, can } = ctx;
  const writable = can("coupons.write");
  const error = errorLine();
  const tbody = h("tbody", { id: "coupon-list" });
  const empty = h("p", { class: "empty", hidden: true }, "还没有优惠券 · No coupons yet");
  const foot = h("div");
  const state = { page: 1, alive: true };

  el.append(
    screenHead(["优惠券", "Coupons"], writable ? h("button", { type: "button", class: "button button--primary", dataset: { action: "new-coupon" }, onclick: create }, ...bi("新建优惠券", "New coupon")) : null),
    h(
      "section",
      { class: "panel" },
      error,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data" },
          h("thead", {}, h("tr", {}, h("th", {}, ...bi("名称", "Name")), h("th", {}, ...bi("优惠", "Offer")), h("th", {}, ...bi("有效期", "Valid")), h("th", { class: "num" }, ...bi("已领/总量", "Issued")), h("th", {}, ...bi("状态", "State")), h("th", { class: "actions" }, ...bi("操作", "Actions")))),
          tbody,
        ),
        empty,
      ),
      foot,
    ),
  );

  async function create() {
    const created = await createDialog(ctx);
    if (created) {
      toast("info", "已创建 · Created", created.name);
      state.page = 1;
      load();
    }
  }

  async function setActive(t, active) {
    if (!active) {
      const ok = await confirm({
        name: "stop-coupon",
        title: ["停发优惠券", "Stop the coupon"],
        body: "顾客不能再领取；已领取的仍可使用。 · Customers can no longer claim it; claimed ones stay usable.",
        submitLabel: ["停发", "Stop"],
        submit: () => api.coupons.update(t.id, templateBody(t, { active: false })),
      });
      if (ok) load();
      return;
    }
    try {
      await api.coupons.update(t.id, templateBody(t, { active: true }));
      load();
    } catch (err) {
      showError(err, error);
    }
  }

  async function remove(t) {
    const ok = await confirm({
      name: "delete-coupon",
      title: ["删除优惠券", "Delete the coupon"],
      body: "只能删除无人领取的优惠券。 · Only a coupon nobody claimed can be deleted.",
      submitLabel: ["删除", "Delete"],
      submit: () => api.coupons.remove(t.id),
    });
    if (ok) load();
  }

  function row(t) {
    return h(
      "tr",
      { dataset: { couponId: t.id, active: String(t.active) } },
      h("td", {}, t.name, h("span", { class: "sub muted" }, ` #${t.id}`)),
      h("td", { "data-label": "优惠" }, offerText(t)),
      h("td", { "data-label": "有效期" }, validityText(t)),
      h("td", { class: "num", "data-label": "已领" }, `${t.issued_count} / ${t.total_limit ?? "∞"}`),
      h("td", {}, h("span", { class: `tag ${t.active ? "tag--on" : "tag--off"}` }, t.active ? "发放中 Active" : "已停发 Stopped")),
      h(
        "td",
        { class: "actions" },
        h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "usage" }, onclick: () => showUsage(ctx, t) }, ...bi("用量", "Usage")),
        writable ? h("button", { type: "button", class: "button button--small", dataset: { action: t.active ? "stop" : "resume" }, onclick: () => setActive(t, !t.active) }, ...(t.active ? bi("停发", "Stop") : bi("恢复", "Resume"))) : null,
        writable && !t.issued_count ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "delete" }, onclick: () => remove(t) }, ...bi("删除", "Delete")) : null,
      ),
    );
  }

  async function load() {
    try {
      const page = await api.coupons.list({ page: state.page, page_size: PAGE_SIZE });
      if (!state.alive) return;
      tbody.replaceChildren(...page.items.map(row));
      empty.hidden = page.items.length > 0;
      foot.replaceChildren(page.total > PAGE_SIZE ? pager({ page: state.page, pageSize: PAGE_SIZE, total: page.total, onPage: (p) => ((state.page = p), load()) }) : "");
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const off = store.on("admin.action", (e) => !e.replayed && e.data && e.data.target_type === "coupon" && load());
  load();
  return {
    unmount() {
      state.alive = false;
      off();
    },
  };
}
