// Create or edit a product: details, images (drop, preview, order), and the SKU matrix:
// spec names x values -> one row per combination with price, stock and code. An existing
// SKU keeps its row (and id) while its specs stay; its stock moves by adjustments with a
// reason, live from the product's channel.

import { categoryOptions } from "../components/category-options.js";
import { ImageGallery } from "../components/images.js";
import { setStock, stockCell } from "../components/stock-adjust.js";
import { bi, busy, errorLine, fenOf, field, h, screenHead, select, showError, toast, yuanInput } from "../dom.js";
import { fullTime } from "../format.js";

const MAX_SPECS = 5;
const MAX_SKUS = 100;
const VALUE_SPLIT = /[,，、;；\s]+/;

/** Every combination of the specs' values, in order: [{颜色: 红, 尺码: S}, ...]. */
export function combinations(specs) {
  let combos = [{}];
  for (const { name, values } of specs) {
    const next = [];
    for (const combo of combos) for (const value of values) next.push({ ...combo, [name]: value });
    combos = next;
  }
  return combos;
}

function keyOf(specs, names) {
  return JSON.stringify(names.map((name) => specs[name] ?? null));
}

/** Spec names and their values, in the order the product's SKUs show them. */
function specsOf(skus) {
  const specs = [];
  for (const sku of skus) {
    for (const [name, value] of Object.entries(sku.specs || {})) {
      let spec = specs.find((s) => s.name === name);
      if (!spec) specs.push((spec = { name, values: [] }));
      if (!spec.values.includes(value)) spec.values.push(value);
    }
  }
  return specs;
}

export function mountEditor(el, ctx, idParam) {
  const { api, store, can, navigate, session } = ctx;
  const isNew = idParam === "new";
  const productId = isNew ? null : Number(idParam);
  const writable = can("catalog.write");
  // Freight templates are shop settings: an admin who may not read them leaves the
  // product's template as it is (the field is left out of the save).
  const mayFreight = can("settings.read");
  // excluded: combinations staff removed from the matrix (a product need not sell them all)
  const state = { product: null, specs: [], rows: new Map(), excluded: new Set(), alive: true, dirty: false, unwatch: null };

  const error = errorLine();
  const notice = h("p", { class: "notice", hidden: true, dataset: { role: "changed-elsewhere" } });
  const form = h("form", { class: "editor", id: "product-form", novalidate: true });
  el.append(
    screenHead(
      isNew ? ["新建商品", "New product"] : ["编辑商品", "Edit product"],
      h("a", { class: "button button--ghost", href: "#/products" }, ...bi("返回列表", "Back to list")),
    ),
    notice,
    form,
  );

  // ------------------------------------------------------------ details

  const details = {
    title: h("input", { name: "title", required: true, maxlength: 120 }),
    subtitle: h("input", { name: "subtitle", maxlength: 255 }),
    category_id: select("category_id", [["", "请选择 Choose…"]], ""),
    description: h("textarea", { name: "description", maxlength: 20000, rows: 4 }),
    on_sale: h("input", { type: "checkbox", name: "on_sale" }),
    freight_template_id: select("freight_template_id", [["", "店铺默认 Shop default"]], ""),
  };
  const gallery = new ImageGallery({ ctx, images: [], max: 20, onChange: () => (state.dirty = true) });
  const specList = h("div", { class: "specs", dataset: { role: "specs" } });
  const matrixBody = h("tbody", { id: "sku-matrix" });
  const matrixHead = h("tr");
  const fillPrice = h("input", { name: "fill_price", inputmode: "decimal", placeholder: "¥" });
  const fillStock = h("input", { name: "fill_stock", type: "number", min: 0, step: 1, placeholder: "0" });
  const saveButton = h("button", { type: "submit", class: "button button--primary", dataset: { action: "save-product" } }, ...bi(isNew ? "创建商品" : "保存", isNew ? "Create" : "Save"));

  form.append(
    h(
      "div",
      { class: "editor-main" },
      h(
        "section",
        { class: "panel" },
        h("div", { class: "panel-head" }, h("h2", {}, ...bi("基本信息", "Details"))),
        h(
          "div",
          { class: "panel-body form-grid" },
          field(["商品名称", "Title"], details.title, { wide: true }),
          field(["副标题", "Subtitle"], details.subtitle, { wide: true }),
          field(["分类", "Category"], details.category_id),
          mayFreight ? field(["运费模板", "Freight template"], details.freight_template_id) : null,
          h("label", { class: "field field--inline" }, details.on_sale, h("span", {}, ...bi("上架销售", "On sale"))),
          field(["商品描述", "Description"], details.description, { wide: true }),
        ),
      ),
      h(
        "section",
        { class: "panel" },
        h("div", { class: "panel-head" }, h("h2", {}, ...bi("规格与库存", "Specs, prices and stock"))),
        h(
          "div",
          { class: "panel-body" },
          specList,
          writable ? h("button", { type: "button", class: "button button--small", dataset: { action: "add-spec" }, onclick: () => addSpec() }, ...bi("添加规格", "Add a spec")) : null,
        ),
        h(
          "div",
          { class: "table-wrap" },
          h("table", { class: "data matrix" }, h("thead", {}, matrixHead), matrixBody),
        ),
        writable
          ? h(
              "div",
              { class: "matrix-fill" },
              h("span", { class: "muted" }, ...bi("批量填写", "Fill all rows")),
              fillPrice,
              fillStock,
              h("button", { type: "button", class: "button button--small", dataset: { action: "fill" }, onclick: () => fillAll() }, ...bi("填入", "Fill")),
            )
          : null,
      ),
    ),
    h(
      "div",
      { class: "editor-side" },
      h("section", { class: "panel" }, h("div", { class: "panel-body" }, gallery.el)),
      h(
        "section",
        { class: "panel" },
        h("div", { class: "panel-body" }, error, writable ? h("div", { class: "form-actions" }, saveButton) : h("p", { class: "muted" }, "只读 · Read only (catalog.write)"), h("p", { class: "muted", dataset: { role: "meta" } })),
      ),
    ),
  );
  form.addEventListener("input", () => (state.dirty = true));
  if (!writable) for (const control of form.querySelectorAll("input, select, textarea")) control.disabled = true;

  // ------------------------------------------------------------ specs

  function addSpec(name = "", values = []) {
    if (state.specs.length >= MAX_SPECS) {
      toast("warning", "规格已满 · Full", `最多 ${MAX_SPECS} 个规格 · At most ${MAX_SPECS} specs`);
      return;
    }
    state.specs.push({ name, values: [...values] });
    renderSpecs();
    rebuildMatrix();
    const inputs = specList.querySelectorAll("[data-role=spec-name]");
    if (!name && inputs.length) inputs[inputs.length - 1].focus();
  }

  function renderSpecs() {
    specList.replaceChildren(
      ...state.specs.map((spec, index) => {
        const nameInput = h("input", { value: spec.name, maxlength: 20, placeholder: "规格名 如 颜色 · e.g. Colour", "aria-label": "规格名 Spec name", dataset: { role: "spec-name", index } });
        nameInput.addEventListener("change", () => {
          spec.name = nameInput.value.trim();
          rebuildMatrix();
        });
        const valueInput = h("input", { maxlength: 40, placeholder: "添加值，回车 · add, Enter", "aria-label": "规格值 Spec value", dataset: { role: "spec-value", index } });
        const addValues = () => {
          const fresh = valueInput.value.split(VALUE_SPLIT).map((v) => v.trim()).filter(Boolean);
          for (const value of fresh) if (!spec.values.includes(value)) spec.values.push(value);
          valueInput.value = "";
          renderSpecs();
          rebuildMatrix();
          specList.querySelector(`[data-role=spec-value][data-index="${index}"]`).focus();
        };
        valueInput.addEventListener("keydown", (e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            addValues();
          }
        });
        return h(
          "div",
          { class: "spec", dataset: { spec: index } },
          nameInput,
          h(
            "div",
            { class: "spec-values" },
            spec.values.map((value) =>
              h(
                "span",
                { class: "value-chip", dataset: { value } },
                value,
                writable
                  ? h("button", { type: "button", "aria-label": `删除 ${value}`, onclick: () => {
                      spec.values = spec.values.filter((v) => v !== value);
                      renderSpecs();
                      rebuildMatrix();
                    } }, "×")
                  : null,
              ),
            ),
            writable ? valueInput : null,
            writable ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "add-value", index }, onclick: addValues }, "+") : null,
          ),
          writable
            ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "remove-spec" }, onclick: () => {
                state.specs.splice(index, 1);
                renderSpecs();
                rebuildMatrix();
              } }, ...bi("删除", "Remove"))
            : h("span"),
        );
      }),
    );
    if (!writable) for (const control of specList.querySelectorAll("input")) control.disabled = true;
  }

  // ------------------------------------------------------------ matrix

  function specNames() {
    return state.specs.filter((s) => s.name && s.values.length).map((s) => s.name);
  }

  /** Rows for every combination; a row that existed keeps what was typed into it. */
  function rebuildMatrix() {
    state.dirty = true;
    const names = specNames();
    const specs = state.specs.filter((s) => s.name && s.values.length);
    const combos = combinations(specs);
    if (combos.length > MAX_SKUS) {
      toast("warning", "规格组合太多 · Too many", `最多 ${MAX_SKUS} 个 SKU · At most ${MAX_SKUS} SKUs`);
    }
    const previous = new Map();
    for (const row of state.rows.values()) previous.set(keyOf(row.specs, names), row);
    const rows = new Map();
    for (const specsOfRow of combos.slice(0, MAX_SKUS)) {
      const key = keyOf(specsOfRow, names);
      if (state.excluded.has(key)) continue;
      const old = previous.get(key);
      rows.set(key, old ? { ...old, specs: specsOfRow } : { specs: specsOfRow, id: null, price: "", stock: "", weight: "", code: "", liveStock: null });
    }
    state.rows = rows;
    renderMatrix(names);
  }

  function renderMatrix(names = specNames()) {
    matrixHead.replaceChildren(
      ...names.map((name) => h("th", {}, name)),
      h("th", {}, ...bi("价格 (元)", "Price ¥")),
      h("th", {}, ...bi("库存", "Stock")),
      h("th", {}, ...bi("重量 (克)", "Weight g")),
      h("th", {}, ...bi("编码", "Code")),
      writable ? h("th", {}) : null,
    );
    matrixBody.replaceChildren(
      ...[...state.rows.values()].map((row) => {
        const label = Object.values(row.specs).join(" / ") || "默认 Default";
        const price = h("input", { inputmode: "decimal", value: row.price, placeholder: "0.00", "aria-label": `${label} 价格 Price`, dataset: { role: "price" } });
        price.addEventListener("input", () => (row.price = price.value));
        const code = h("input", { class: "code", value: row.code, maxlength: 64, "aria-label": `${label} 编码 Code`, dataset: { role: "code" } });
        code.addEventListener("input", () => (row.code = code.value));
        const weight = h("input", { type: "number", min: 0, step: 1, value: row.weight ?? "", placeholder: "0", "aria-label": `${label} 重量 Weight`, dataset: { role: "weight" } });
        weight.addEventListener("input", () => (row.weight = weight.value));
        let stock;
        if (row.id) {
          stock = stockCell(ctx, { skuId: row.id, label: `${details.title.value} ${label}`, stock: row.liveStock, onAdjusted: (out) => {
            row.liveStock = out.stock;
            setStock(stock, out.stock);
            toast("info", "库存已调整 · Stock adjusted", `${label}: ${out.previous} → ${out.stock}`);
          } });
        } else {
          stock = h("input", { type: "number", min: 0, step: 1, value: row.stock, placeholder: "0", "aria-label": `${label} 库存 Stock`, dataset: { role: "stock" } });
          stock.addEventListener("input", () => (row.stock = stock.value));
        }
        if (!writable) for (const control of [price, code, weight]) control.disabled = true;
        return h(
          "tr",
          { dataset: { specs: JSON.stringify(row.specs), skuId: row.id || "" } },
          ...names.map((name) => h("td", { class: "specs-cell", "data-label": name }, row.specs[name])),
          h("td", { "data-label": "价格 ¥" }, price),
          h("td", { "data-label": "库存" }, stock),
          h("td", { "data-label": "重量 g" }, weight),
          h("td", { "data-label": "编码" }, code),
          writable && state.rows.size > 1
            ? h("td", { class: "actions" }, h("button", { type: "button", class: "button button--small button--ghost", title: "不卖这个组合 · Do not sell this one", dataset: { action: "remove-row" }, onclick: () => {
                const key = keyOf(row.specs, names);
                state.excluded.add(key);
                state.rows.delete(key);
                state.dirty = true;
                renderMatrix(names);
              } }, "×"))
            : null,
        );
      }),
    );
  }

  function fillAll() {
    const price = fillPrice.value.trim();
    const stock = fillStock.value.trim();
    for (const row of state.rows.values()) {
      if (price) row.price = price;
      if (stock && !row.id) row.stock = stock;
    }
    renderMatrix();
    state.dirty = true;
  }

  // ------------------------------------------------------------ load and save

  async function loadTemplates(selected) {
    if (!mayFreight) return;
    try {
      const page = await api.freight.list({ page_size: 100 });
      if (!state.alive) return;
      const options = [["", "店铺默认 Shop default"], ...page.items.map((t) => [t.id, `${t.name}${t.is_default ? " (默认 default)" : ""}`])];
      details.freight_template_id.replaceChildren(...options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(selected ?? "") }, label)));
    } catch (err) {
      showError(err, error);
    }
  }

  async function loadCategories(selected) {
    try {
      const tree = await api.categories.tree();
      if (!state.alive) return;
      const options = [["", "请选择 Choose…"], ...categoryOptions(tree)];
      details.category_id.replaceChildren(...options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(selected ?? "") }, label)));
    } catch (err) {
      showError(err, error);
    }
  }

  function fill(product) {
    state.product = product;
    details.title.value = product.title;
    details.subtitle.value = product.subtitle || "";
    details.description.value = product.description || "";
    details.on_sale.checked = product.on_sale;
    details.category_id.value = String(product.category_id || "");
    details.freight_template_id.value = String(product.freight_template_id || "");
    gallery.items = product.images.map((url) => ({ ref: url, src: url, uploading: false }));
    gallery.render();
    state.specs = specsOf(product.skus);
    const names = state.specs.map((s) => s.name);
    state.rows = new Map(
      product.skus.map((sku) => [keyOf(sku.specs, names), { specs: sku.specs, id: sku.id, price: (sku.price / 100).toFixed(2), stock: "", weight: String(sku.weight ?? ""), code: sku.code || "", liveStock: sku.stock }]),
    );
    // Combinations the product does not sell stay out of the matrix until staff add them.
    state.excluded = new Set(combinations(state.specs).map((c) => keyOf(c, names)).filter((key) => !state.rows.has(key)));
    renderSpecs();
    renderMatrix(names);
    el.querySelector("[data-role=meta]").textContent = `#${product.id} · 销量 ${product.sales} sold · 更新 ${fullTime(product.updated_at)}`;
    state.dirty = false;
    notice.hidden = true;
  }

  async function load() {
    try {
      const product = await api.products.get(productId);
      if (!state.alive) return;
      await Promise.all([loadCategories(product.category_id), loadTemplates(product.freight_template_id)]);
      fill(product);
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  /** The body of POST/PUT /api/admin/products, or throws saying what to fix. */
  function body() {
    const problems = [];
    const title = details.title.value.trim();
    if (!title) problems.push("商品名称必填 · Title is required");
    const categoryId = Number(details.category_id.value);
    if (!categoryId) problems.push("请选择分类 · Choose a category");
    const names = state.specs.map((s) => s.name.trim());
    if (names.some((n) => !n)) problems.push("规格名不能为空 · Every spec needs a name");
    if (new Set(names).size !== names.length) problems.push("规格名重复 · Two specs have the same name");
    if (state.specs.some((s) => !s.values.length)) problems.push("每个规格至少一个值 · Every spec needs a value");
    const skus = [];
    for (const row of state.rows.values()) {
      const label = Object.values(row.specs).join(" / ") || "默认";
      const price = fenOf(row.price);
      if (Number.isNaN(price)) problems.push(`${label}: 价格无效 · price is not an amount`);
      const sku = { specs: row.specs, price, code: row.code.trim() };
      if (row.weight !== undefined && String(row.weight).trim() !== "") {
        const weight = Number(row.weight);
        if (!Number.isInteger(weight) || weight < 0) problems.push(`${label}: 重量无效 · weight is not whole grams`);
        sku.weight = weight;
      }
      if (row.id) sku.id = row.id;
      else {
        const stock = row.stock === "" ? 0 : Number(row.stock);
        if (!Number.isInteger(stock) || stock < 0) problems.push(`${label}: 库存无效 · stock is not a whole number`);
        sku.stock = stock;
      }
      skus.push(sku);
    }
    if (!skus.length) problems.push("至少一个 SKU · At least one SKU");
    if (gallery.busy) problems.push("图片还在上传 · Images are still uploading");
    if (problems.length) throw new Error(problems.join("\n"));
    const payload = {
      title,
      subtitle: details.subtitle.value.trim(),
      category_id: categoryId,
      description: details.description.value,
      images: gallery.refs,
      on_sale: details.on_sale.checked,
      skus,
    };
    if (mayFreight) payload.freight_template_id = details.freight_template_id.value ? Number(details.freight_template_id.value) : null;
    return payload;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!writable) return;
    error.hidden = true;
    let payload;
    try {
      payload = body();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    await busy(saveButton, async () => {
      try {
        const saved = isNew ? await api.products.create(payload) : await api.products.update(productId, payload);
        state.dirty = false;
        toast("info", isNew ? "商品已创建 · Created" : "已保存 · Saved", `${saved.title} · ${saved.skus.length} SKU`);
        if (isNew) navigate(`/products/${saved.id}`, undefined, { replace: true });
        else fill(saved);
      } catch (err) {
        showError(err, error);
      }
    });
  });

  // ------------------------------------------------------------ live

  const offs = [];
  if (!isNew) {
    state.unwatch = store.watchProduct(productId);
    offs.push(
      store.on("stock.changed", (e) => {
        if (!e.data || e.data.product_id !== productId) return;
        for (const { sku_id: skuId, stock } of e.data.skus || []) {
          for (const row of state.rows.values()) {
            if (row.id !== skuId) continue;
            row.liveStock = stock;
            const cell = matrixBody.querySelector(`.stock-cell[data-sku-id="${skuId}"]`);
            if (cell) setStock(cell, stock);
          }
        }
      }),
      store.on("admin.action", (e) => {
        const data = e.data || {};
        if (e.replayed || data.target_type !== "product" || Number(data.target_id) !== productId) return;
        if (session.admin && data.admin_id === session.admin.id) return; // this console's own save
        if (data.action === "product.delete") {
          notice.textContent = `${data.admin_username} 删除了此商品 · removed this product`;
          notice.hidden = false;
          return;
        }
        if (!state.dirty) {
          load();
          toast("info", "商品已更新 · Updated elsewhere", `${data.admin_username}`);
          return;
        }
        notice.replaceChildren(
          `${data.admin_username} 刚修改了此商品 · just changed this product. `,
          h("button", { type: "button", class: "button button--small", onclick: () => load() }, ...bi("载入最新", "Load theirs")),
        );
        notice.hidden = false;
      }),
    );
  }

  if (isNew) {
    loadCategories("");
    loadTemplates("");
    rebuildMatrix();
    state.dirty = false;
  } else {
    load();
  }

  return {
    unmount() {
      state.alive = false;
      for (const off of offs) off();
      if (state.unwatch) state.unwatch();
    },
  };
}
