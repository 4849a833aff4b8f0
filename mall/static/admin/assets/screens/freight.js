// Freight templates (/api/admin/freight-templates): what shipping costs by province, per
// piece or by weight, with free rules and regions not served; one is the shop's default
// (without one, the flat freight of Settings applies). Products name theirs in the editor.

import { bi, confirm, dialog, errorLine, fenOf, field, h, screenHead, showError, toast, yuanInput } from "../dom.js";
import { yuan } from "../format.js";

// The 34 provincial-level divisions (mall/freight/provinces.json).
const PROVINCES = [
  "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
  "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省",
  "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
  "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
  "香港特别行政区", "澳门特别行政区",
];

function regionsSelect(name, chosen = []) {
  return h(
    "select",
    { name, multiple: true, size: 5, class: "regions" },
    PROVINCES.map((p) => h("option", { value: p, selected: chosen.includes(p) }, p)),
  );
}

function chosen(select) {
  return [...select.selectedOptions].map((o) => o.value);
}

function regionsText(regions, all) {
  return regions.length ? regions.join("、") : all;
}

function ruleRow(rule = {}) {
  const row = h(
    "fieldset",
    { class: "rule", dataset: { role: "rule" } },
    field(["地区（不选 = 其他全部）", "Provinces (none: all others)"], regionsSelect("regions", rule.regions || [])),
    field(["首件/首重", "First (pieces or g)"], h("input", { name: "first", type: "number", min: 1, step: 1, required: true, value: rule.first ?? 1 })),
    field(["首费 (元)", "First fee ¥"], yuanInput("first_fee", rule.first_fee ?? 0)),
    field(["续件/续重", "Each further"], h("input", { name: "additional", type: "number", min: 1, step: 1, required: true, value: rule.additional ?? 1 })),
    field(["续费 (元)", "Further fee ¥"], yuanInput("additional_fee", rule.additional_fee ?? 0)),
    h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "remove-rule" }, onclick: () => row.remove() }, "×"),
  );
  return row;
}

function freeRow(free = {}) {
  const row = h(
    "fieldset",
    { class: "rule", dataset: { role: "free-rule" } },
    field(["地区（不选 = 全部）", "Provinces (none: everywhere)"], regionsSelect("regions", free.regions || [])),
    field(["满金额 (元)", "From ¥"], yuanInput("min_amount", free.min_amount ?? "")),
    field(["满件数", "From pieces"], h("input", { name: "min_quantity", type: "number", min: 1, step: 1, value: free.min_quantity ?? "" })),
    h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "remove-free-rule" }, onclick: () => row.remove() }, "×"),
  );
  return row;
}

function inside(row, name) {
  return row.querySelector(`[name="${name}"]`);
}

/** The body of POST/PUT /api/admin/freight-templates, or throws saying what to fix. */
function templateBody(form) {
  const problems = [];
  const money = (input, label) => {
    const fen = fenOf(input.value);
    if (Number.isNaN(fen)) problems.push(`${label}: 金额无效 · not an amount`);
    return fen;
  };
  const rules = [...form.querySelectorAll('[data-role="rule"]')].map((row) => ({
    regions: chosen(inside(row, "regions")),
    first: Number(inside(row, "first").value),
    first_fee: money(inside(row, "first_fee"), "首费"),
    additional: Number(inside(row, "additional").value),
    additional_fee: money(inside(row, "additional_fee"), "续费"),
  }));
  const freeRules = [...form.querySelectorAll('[data-role="free-rule"]')].map((row) => {
    const free = { regions: chosen(inside(row, "regions")) };
    const amount = inside(row, "min_amount").value.trim();
    const quantity = inside(row, "min_quantity").value.trim();
    if (amount) free.min_amount = money(inside(row, "min_amount"), "包邮金额");
    if (quantity) free.min_quantity = Number(quantity);
    if (!amount && !quantity) problems.push("包邮条件需金额或件数 · A free rule needs an amount or a quantity");
    return free;
  });
  if (!rules.length) problems.push("至少一条运费规则 · At least one rule");
  if (problems.length) throw new Error(problems.join("\n"));
  return {
    name: form.elements.name.value.trim(),
    charge_by: form.elements.charge_by.value,
    rules,
    free_rules: freeRules,
    excluded_regions: chosen(form.elements.excluded_regions),
    is_default: form.elements.is_default.checked,
  };
}

function editorDialog(ctx, template) {
  const t = template || { name: "", charge_by: "piece", rules: [{ regions: [], first: 1, first_fee: 0, additional: 1, additional_fee: 0 }], free_rules: [], excluded_regions: [], is_default: false };
  return dialog({
    name: "freight-template",
    title: template ? ["编辑运费模板", "Edit the freight template"] : ["新建运费模板", "New freight template"],
    submitLabel: ["保存", "Save"],
    build(form) {
      const rules = h("div", { dataset: { role: "rules" } }, t.rules.map((r) => ruleRow(r)));
      const frees = h("div", { dataset: { role: "free-rules" } }, t.free_rules.map((f) => freeRow(f)));
      form.append(
        field(["名称", "Name"], h("input", { name: "name", required: true, maxlength: 64, value: t.name })),
        field(
          ["计费方式", "Charge by"],
          h("select", { name: "charge_by" }, h("option", { value: "piece", selected: t.charge_by === "piece" }, "按件 · per piece"), h("option", { value: "weight", selected: t.charge_by === "weight" }, "按重量（克） · by weight (g)")),
        ),
        h("label", { class: "field field--inline" }, h("input", { type: "checkbox", name: "is_default", checked: t.is_default }), h("span", {}, ...bi("店铺默认模板", "The shop's default"))),
        h("h3", {}, ...bi("运费规则", "Rules")),
        rules,
        h("button", { type: "button", class: "button button--small", dataset: { action: "add-rule" }, onclick: () => rules.append(ruleRow({ regions: [] })) }, ...bi("添加规则", "Add a rule")),
        h("h3", {}, ...bi("包邮条件", "Free shipping")),
        frees,
        h("button", { type: "button", class: "button button--small", dataset: { action: "add-free-rule" }, onclick: () => frees.append(freeRow()) }, ...bi("添加包邮条件", "Add a free rule")),
        field(["不配送地区", "Not served"], regionsSelect("excluded_regions", t.excluded_regions)),
      );
    },
    submit: (form) => {
      const body = templateBody(form);
      return template ? ctx.api.freight.update(template.id, body) : ctx.api.freight.create(body);
    },
  });
}

function summary(t) {
  const unit = t.charge_by === "weight" ? "g" : "件";
  return t.rules
    .map((r) => `${regionsText(r.regions, "其他 others")}: ${r.first}${unit} ¥${yuan(r.first_fee)} +${r.additional}${unit} ¥${yuan(r.additional_fee)}`)
    .join("; ");
}

export function mount(el, ctx) {
  const { api, store, can } = ctx;
  const writable = can("settings.write");
  const error = errorLine();
  const tbody = h("tbody", { id: "freight-list" });
  const empty = h("p", { id: "freight-empty", class: "empty", hidden: true }, "还没有运费模板：按设置中的统一运费 · No templates: the flat freight of Settings applies");
  const state = { alive: true };

  el.append(
    screenHead(["运费模板", "Freight templates"], writable ? h("button", { type: "button", class: "button button--primary", dataset: { action: "new-template" }, onclick: () => edit(null) }, ...bi("新建模板", "New template")) : null),
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
          h("thead", {}, h("tr", {}, h("th", {}, ...bi("名称", "Name")), h("th", {}, ...bi("计费", "By")), h("th", {}, ...bi("规则", "Rules")), h("th", {}, ...bi("不配送", "Not served")), h("th", { class: "actions" }, ...bi("操作", "Actions")))),
          tbody,
        ),
        empty,
      ),
    ),
  );

  async function edit(template) {
    const saved = await editorDialog(ctx, template);
    if (saved && saved.id) {
      toast("info", "已保存 · Saved", saved.name);
      load();
    }
  }

  async function remove(t) {
    const ok = await confirm({
      name: "delete-template",
      title: ["删除运费模板", "Delete the freight template"],
      body: `${t.name}：仍有商品使用时不能删除 · Not while products use it.`,
      submitLabel: ["删除", "Delete"],
      submit: () => api.freight.remove(t.id),
    });
    if (ok) load();
  }

  function row(t) {
    return h(
      "tr",
      { dataset: { templateId: t.id, default: t.is_default ? "true" : "false" } },
      h("td", {}, t.name, t.is_default ? h("span", { class: "tag", dataset: { role: "default" } }, " 默认 default") : null),
      h("td", {}, t.charge_by === "weight" ? "重量 weight" : "件数 piece"),
      h("td", { class: "muted" }, summary(t)),
      h("td", {}, regionsText(t.excluded_regions, "—")),
      h(
        "td",
        { class: "actions" },
        writable ? h("button", { type: "button", class: "button button--small", dataset: { action: "edit-template" }, onclick: () => edit(t) }, ...bi("编辑", "Edit")) : null,
        writable ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "delete-template" }, onclick: () => remove(t) }, ...bi("删除", "Delete")) : null,
      ),
    );
  }

  async function load() {
    try {
      const page = await api.freight.list({ page_size: 100 });
      if (!state.alive) return;
      error.hidden = true;
      tbody.replaceChildren(...page.items.map(row));
      empty.hidden = page.items.length > 0;
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const offs = [
    store.on("admin.action", (e) => {
      if (!e.replayed && e.data && e.data.target_type === "freight_template") load();
    }),
  ];
  load();
  return {
    unmount() {
      state.alive = false;
      for (const off of offs) off();
    },
  };
}
