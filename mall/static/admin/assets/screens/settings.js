// Shop settings (GET/PUT /api/admin/settings): order timeout, auto-confirm, low-stock
// threshold, freight. Fields this console does not know yet are sent back unchanged; a
// change another admin makes shows up at once (or is offered, if this form has edits).

import { bi, busy, errorLine, fenOf, field, h, screenHead, showError, toast, yuanInput } from "../dom.js";

/** [name, label, kind, hint]: kind "fen" is shown in yuan. Slots for new settings go here. */
const FIELDS = [
  ["order_timeout_seconds", ["未付款自动取消 (分钟)", "Unpaid orders cancel after (minutes)"], "minutes", "新订单生效 · applies to new orders"],
  ["auto_confirm_days", ["发货后自动确认收货 (天)", "Auto-confirm after shipping (days)"], "int"],
  ["low_stock_threshold", ["库存预警阈值 (件)", "Low-stock threshold (units)"], "int", "低于此数即预警 · below this is low"],
  ["freight_flat", ["运费 (元)", "Freight ¥"], "fen"],
  ["free_shipping_threshold", ["包邮门槛 (元)", "Free shipping from ¥"], "fen", "0 = 总是收运费 · 0 = always charge freight"],
];

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
      h("div", { class: "field--wide" }, error, writable ? h("div", { class: "form-actions" }, save) : h("p", { class: "muted" }, "只读 · Read only (settings.write)")),
    );
    if (!writable) for (const input of form.querySelectorAll("input")) input.disabled = true;
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
