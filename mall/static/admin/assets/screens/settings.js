// Shop settings (GET/PUT /api/admin/settings): order timeout, auto-confirm, low-stock
// threshold, freight, after-sales (days allowed, the return address), and the subscription message templates (per event: the template id
// of the mini-program admin and what fills each of its fields). Fields this console does not know yet are sent back unchanged; a
// change another admin makes shows up at once (or is offered, if this form has edits).

import { bi, busy, errorLine, fenOf, field, h, screenHead, showError, toast, yuanInput } from "../dom.js";

/** [name, label, kind, hint]: kind "fen" is shown in yuan. Slots for new settings go here. */
const FIELDS = [
  ["order_timeout_seconds", ["未付款自动取消 (分钟)", "Unpaid orders cancel after (minutes)"], "minutes", "新订单生效 · applies to new orders"],
  ["auto_confirm_days", ["发货后自动确认收货 (天)", "Auto-confirm after shipping (days)"], "int"],
  ["low_stock_threshold", ["库存预警阈值 (件)", "Low-stock threshold (units)"], "int", "低于此数即预警 · below this is low"],
  ["freight_flat", ["运费 (元)", "Freight ¥"], "fen"],
  ["free_shipping_threshold", ["包邮门槛 (元)", "Free shipping from ¥"], "fen", "0 = 总是收运费 · 0 = always charge freight"],
  ["after_sale_days", ["收货后可申请售后 (天)", "After-sales allowed for (days after completion)"], "int"],
];

/** The return address (ReturnAddress of mall/shop/schemas.py): all empty is none. */
const RETURN_ADDRESS = [
  ["name", ["收件人", "Name"], 64],
  ["phone", ["电话", "Phone"], 32],
  ["address", ["地址", "Address"], 255],
];

function returnAddressFieldset(address) {
  return h(
    "fieldset",
    { class: "template field--wide", dataset: { role: "return-address" } },
    h("legend", {}, ...bi("退货地址", "Return address"), h("span", { class: "muted" }, " · 同意退货后顾客可见 · customers see it once a return is approved")),
    h(
      "div",
      { class: "form-grid" },
      ...RETURN_ADDRESS.map(([key, label, max]) => field(label, h("input", { name: `return_address.${key}`, maxlength: max, value: address ? address[key] : "", placeholder: "留空 = 未设置 · empty = none" }), { wide: key === "address" })),
    ),
  );
}

/** Subscription messages (SubscribeTemplates of mall/shop/schemas.py), bilingual. */
const TEMPLATES = [
  ["order_paid", ["付款成功", "Order paid"]],
  ["order_shipped", ["订单发货", "Order shipped"]],
  ["refund_result", ["退款结果", "Refund result"]],
  ["order_expiring", ["订单即将超时", "Order about to expire"]],
];
// What a template field can show, per event (SOURCES of mall/notify/fields.py); the server
// refuses anything else with a 422 this screen shows.
const COMMON_SOURCES = ["order_no", "order_amount", "goods", "order_status", "order_time", "remark"];
const SOURCES = {
  order_paid: [...COMMON_SOURCES, "paid_at"],
  order_shipped: [...COMMON_SOURCES, "paid_at", "shipped_at", "carrier", "tracking_no"],
  refund_result: [...COMMON_SOURCES, "refund_amount", "refund_result", "refunded_at"],
  order_expiring: [...COMMON_SOURCES, "expires_at"],
};

const fieldNo = (key) => Number((/[0-9]+$/.exec(key) || ["0"])[0]);

/** {thing1: "goods", ...} as the lines staff edit ("thing1: goods"), in the template's
 * order (its fields are numbered; the stored mapping keeps no order). */
function mappingText(fields) {
  return Object.entries(fields || {})
    .sort(([a], [b]) => fieldNo(a) - fieldNo(b) || a.localeCompare(b))
    .map(([key, source]) => `${key}: ${source}`)
    .join("\n");
}

/** The lines back as {key: source}; a line without "key: source" is refused here. */
function mappingOf(text, [zh, en]) {
  const fields = {};
  text.split("\n").forEach((line, index) => {
    if (!line.trim()) return;
    const colon = line.indexOf(":");
    if (colon < 0) throw new Error(`${zh} ${en}: 第 ${index + 1} 行应为 line ${index + 1} should be "thing1: goods"`);
    fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return fields;
}

function templateFieldset([kind, label], config) {
  return h(
    "fieldset",
    { class: "template field--wide", dataset: { template: kind } },
    h("legend", {}, ...bi(...label), h("span", { class: "muted" }, ` · ${kind}`)),
    h(
      "div",
      { class: "form-grid" },
      field(["模板 ID", "Template id"], h("input", { name: `${kind}.template_id`, maxlength: 128, value: config ? config.template_id : "", placeholder: "留空 = 不发送 · empty = not sent" })),
      field(["字段映射", "Field mapping"], h("textarea", { name: `${kind}.fields`, rows: 3, value: mappingText(config && config.fields), placeholder: "thing1: goods\namount2: order_amount" }), {
        hint: `每行 key: 来源 · one per line, key: source (=文字 for fixed text). 来源 Sources: ${SOURCES[kind].join(", ")}`,
      }),
    ),
  );
}

export function mount(el, ctx) {
  const { api, store, can, session } = ctx;
  const writable = can("settings.write");
  const error = errorLine();
  const notice = h("p", { class: "notice", hidden: true, dataset: { role: "changed-elsewhere" } });
  const form = h("form", { id: "settings-form", class: "panel-body form-grid", novalidate: true });
  const save = h("button", { type: "submit", class: "button button--primary", dataset: { action: "save-settings" } }, ...bi("保存设置", "Save settings"));
  const state = { doc: null, dirty: false, alive: true };

  el.append(screenHead(["设置", "Settings"]), notice, h("section", { class: "panel" }, h("div", { class: "panel-head" }, h("h2", {}, ...bi("店铺设置", "Shop settings"))), form));

  function control([name, , kind], value) {
    if (kind === "fen") return yuanInput(name, value);
    if (kind === "minutes") return h("input", { name, type: "number", min: 1, step: 1, value: Math.round(value / 60) });
    return h("input", { name, type: "number", min: 0, step: 1, value });
  }

  function render(doc) {
    state.doc = doc;
    state.dirty = false;
    notice.hidden = true;
    form.replaceChildren(
      ...FIELDS.map((f) => field(f[1], control(f, doc[f[0]]), { hint: f[3] })),
      h("h3", { class: "sub-title field--wide" }, ...bi("订阅消息模板", "Subscription message templates")),
      ...TEMPLATES.map((t) => templateFieldset(t, (doc.subscribe_templates || {})[t[0]])),
      h("h3", { class: "sub-title field--wide" }, ...bi("售后", "After-sales")),
      returnAddressFieldset(doc.return_address),
      h("div", { class: "field--wide" }, error, writable ? h("div", { class: "form-actions" }, save) : h("p", { class: "muted" }, "只读 · Read only (settings.write)")),
    );
    if (!writable) for (const input of form.querySelectorAll("input, textarea")) input.disabled = true;
  }

  function body() {
    const doc = { ...state.doc };
    for (const [name, [zh], kind] of FIELDS) {
      const raw = form.elements[name].value.trim();
      let value;
      if (kind === "fen") value = fenOf(raw);
      else if (kind === "minutes") value = Number(raw) * 60;
      else value = Number(raw);
      if (!Number.isFinite(value) || !Number.isInteger(value)) throw new Error(`${zh}: 无效 · not valid`);
      doc[name] = value;
    }
    const templates = {};
    for (const [kind, label] of TEMPLATES) {
      const id = form.elements[`${kind}.template_id`].value.trim();
      const fields = mappingOf(form.elements[`${kind}.fields`].value, label);
      // Both left empty: no message for this event. Anything else goes to the server to judge.
      templates[kind] = id || Object.keys(fields).length ? { template_id: id, fields } : null;
    }
    doc.subscribe_templates = templates;
    // All three empty: no return address (returns cannot be approved). Anything else goes
    // to the server to judge.
    const address = Object.fromEntries(RETURN_ADDRESS.map(([key]) => [key, form.elements[`return_address.${key}`].value.trim()]));
    doc.return_address = Object.values(address).some(Boolean) ? address : null;
    return doc;
  }

  form.addEventListener("input", () => (state.dirty = true));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    let doc;
    try {
      doc = body();
    } catch (err) {
      error.textContent = err.message;
      error.dataset.status = "";
      error.hidden = false;
      return;
    }
    await busy(save, async () => {
      try {
        render(await api.settings.update(doc));
        toast("info", "已保存 · Saved", "新订单按新设置 · New orders follow the new settings");
      } catch (err) {
        showError(err, error);
      }
    });
  });

  async function load() {
    try {
      const doc = await api.settings.get();
      if (state.alive) render(doc);
    } catch (err) {
      if (state.alive) {
        form.replaceChildren(error);
        showError(err, error);
      }
    }
  }

  const off = store.on("admin.action", (e) => {
    const data = e.data || {};
    if (e.replayed || data.action !== "settings.update") return;
    if (session.admin && data.admin_id === session.admin.id) return;
    if (!state.dirty) {
      load();
      toast("info", "设置已更新 · Settings changed", data.admin_username);
      return;
    }
    notice.replaceChildren(`${data.admin_username} 刚修改了设置 · just changed the settings. `, h("button", { type: "button", class: "button button--small", onclick: load }, ...bi("载入最新", "Load theirs")));
    notice.hidden = false;
  });
  load();
  return {
    unmount() {
      state.alive = false;
      off();
    },
  };
}
