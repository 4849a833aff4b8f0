// Products: the list (search, category, on-sale and low-stock filters; on/off sale; stock
// kept live from each product's channel) and, at #/products/new or #/products/<id>, the
// editor. The filter lives in the route.

import { categoryNames, categoryOptions } from "../components/category-options.js";
import { thumb } from "../components/order-row.js";
import { bi, debounce, errorLine, field, h, pager, screenHead, select, showError, toast } from "../dom.js";
import { priceRange, when } from "../format.js";
import { mountEditor } from "./product-editor.js";

const PAGE_SIZE = 20;
const FILTERS = ["q", "category_id", "on_sale", "low_stock"];

function filterOf(query) {
  const filter = {};
  for (const key of FILTERS) filter[key] = query.get(key) || "";
  filter.page = Math.max(1, Number(query.get("page")) || 1);
  return filter;
}

function routeQuery(filter, page = filter.page) {
  const q = {};
  for (const key of FILTERS) if (filter[key]) q[key] = filter[key];
  if (page > 1) q.page = page;
  return q;
}

export function mount(el, ctx, params, query) {
  let current = null;
  let showing = null;

  function show(newParams, newQuery) {
    const target = newParams.id ? `editor:${newParams.id}` : "list";
    if (target === showing && current && current.update) {
      current.update(newParams, newQuery);
      return;
    }
    if (current) current.unmount();
    el.replaceChildren();
    showing = target;
    current = newParams.id ? mountEditor(el, ctx, newParams.id) : mountList(el, ctx, newQuery);
  }

  show(params, query);
  return {
    update: show,
    unmount() {
      if (current) current.unmount();
    },
  };
}

function mountList(el, ctx, query) {
  const { api, store, can, navigate } = ctx;
  const state = { filter: filterOf(query), rows: new Map(), watching: new Map(), names: new Map(), alive: true, loading: null };

  const form = h(
    "form",
    { class: "filters", role: "search", id: "product-filters" },
    h("label", { class: "field field--search" }, h("span", {}, ...bi("搜索", "Search")), h("input", { name: "q", type: "search", maxlength: 64, placeholder: "商品名称 · title", value: state.filter.q })),
    field(["分类", "Category"], select("category_id", [["", "全部 All"]], state.filter.category_id)),
    field(["状态", "On sale"], select("on_sale", [["", "全部 All"], ["true", "在售 On sale"], ["false", "已下架 Off sale"]], state.filter.on_sale)),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "low_stock", checked: state.filter.low_stock === "true" }), ...bi("仅看库存不足", "Low stock only")),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit", class: "button button--primary" }, ...bi("筛选", "Filter")), h("button", { type: "reset", class: "button button--ghost" }, ...bi("清空", "Clear"))),
  );
  const error = errorLine();
  const tbody = h("tbody", { id: "product-list" });
  const empty = h("p", { class: "empty", hidden: true }, "没有商品 · No products");
  const foot = h("div");
  const count = h("span", { class: "count" });
  el.append(
    screenHead(["商品", "Products"], can("catalog.write") ? h("a", { class: "button button--primary", href: "#/products/new", dataset: { action: "new-product" } }, ...bi("新建商品", "New product")) : null),
    h(
      "section",
      { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", {}, ...bi("商品列表", "Product list"), count)),
      form,
      error,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data" },
          h("thead", {}, h("tr", {}, h("th", {}, ...bi("商品", "Product")), h("th", {}, ...bi("分类", "Category")), h("th", { class: "num" }, ...bi("价格", "Price")), h("th", { class: "num" }, ...bi("库存", "Stock")), h("th", { class: "num" }, ...bi("销量", "Sales")), h("th", {}, ...bi("状态", "State")), h("th", { class: "actions" }, ...bi("操作", "Actions")))),
          tbody,
        ),
        empty,
      ),
      foot,
    ),
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const filter = { q: form.elements.q.value.trim(), category_id: form.elements.category_id.value, on_sale: form.elements.on_sale.value, low_stock: form.elements.low_stock.checked ? "true" : "" };
    navigate("/products", routeQuery({ ...filter, page: 1 }));
  });
  form.addEventListener("reset", (e) => {
    e.preventDefault();
    navigate("/products");
  });

  async function loadCategories() {
    try {
      const tree = await api.categories.tree();
      if (!state.alive) return;
      state.names = categoryNames(tree);
      const selectEl = form.elements.category_id;
      selectEl.replaceChildren(...[["", "全部 All"], ...categoryOptions(tree)].map(([v, label]) => h("option", { value: v, selected: String(v) === state.filter.category_id }, label)));
      for (const row of state.rows.values()) row.querySelector("[data-cell=category]").textContent = state.names.get(Number(row.dataset.categoryId)) || "—";
    } catch (err) {
      showError(err, error);
    }
  }

  async function load() {
    const attempt = (state.loading = {});
    const { filter } = state;
    let result;
    try {
      result = await api.products.list({ page: filter.page, page_size: PAGE_SIZE, q: filter.q, category_id: filter.category_id, on_sale: filter.on_sale, low_stock: filter.low_stock });
    } catch (err) {
      if (state.alive) showError(err, error);
      return;
    }
    if (!state.alive || attempt !== state.loading) return;
    error.hidden = true;
    state.rows.clear();
    tbody.replaceChildren(...result.items.map(put));
    count.textContent = String(result.total);
    empty.hidden = result.items.length > 0;
    foot.replaceChildren(result.total > PAGE_SIZE ? pager({ page: filter.page, pageSize: PAGE_SIZE, total: result.total, onPage: (page) => navigate("/products", routeQuery(filter, page)) }) : "");
    rewatch();
  }

  function put(product) {
    const toggle = can("catalog.write")
      ? h(
          "button",
          {
            type: "button",
            class: "button button--small",
            dataset: { action: product.on_sale ? "off-sale" : "on-sale" },
            onclick: async (e) => {
              const b = e.currentTarget;
              b.disabled = true;
              try {
                const updated = await api.products.onSale(product.id, !product.on_sale);
                replace(updated);
                toast("info", updated.on_sale ? "已上架 · On sale" : "已下架 · Off sale", updated.title);
              } catch (err) {
                showError(err, error);
                b.disabled = false;
              }
            },
          },
          ...(product.on_sale ? bi("下架", "Take off sale") : bi("上架", "Put on sale")),
        )
      : null;
    const row = h(
      "tr",
      { dataset: { productId: product.id, onSale: String(product.on_sale), categoryId: product.category_id || "" } },
      h("td", {}, h("a", { class: "cell-title", href: `#/products/${product.id}` }, thumb(product.cover_url), h("span", {}, product.title, h("span", { class: "sub" }, product.subtitle || `#${product.id} · ${when(product.updated_at)}`)))),
      h("td", { "data-label": "分类", dataset: { cell: "category" } }, state.names.get(product.category_id) || "—"),
      h("td", { class: "num", "data-label": "价格" }, priceRange(product.min_price, product.max_price)),
      h("td", { class: "num", "data-label": "库存", dataset: { cell: "stock" } }, String(product.stock)),
      h("td", { class: "num", "data-label": "销量" }, String(product.sales)),
      h("td", {}, h("span", { class: `tag ${product.on_sale ? "tag--on" : "tag--off"}` }, product.on_sale ? "在售 On sale" : "已下架 Off sale")),
      h("td", { class: "actions" }, toggle, h("a", { class: "button button--small button--ghost", href: `#/products/${product.id}`, dataset: { action: "edit" } }, ...bi(can("catalog.write") ? "编辑" : "查看", can("catalog.write") ? "Edit" : "View"))),
    );
    state.rows.set(product.id, row);
    return row;
  }

  function replace(product) {
    const old = state.rows.get(product.id);
    if (!old) return;
    const row = put(product);
    old.replaceWith(row);
    row.classList.add("is-changed");
  }

  async function refreshRow(id) {
    try {
      const product = await api.products.get(id);
      if (state.alive && state.rows.has(id)) replace(product);
    } catch (err) {
      if (err.status === 404 && state.rows.has(id)) state.rows.get(id).remove();
    }
  }

  /** Watch the channels of the products on the page (their stock moves with every order). */
  function rewatch() {
    for (const [id, unwatch] of state.watching) {
      if (!state.rows.has(id)) {
        unwatch();
        state.watching.delete(id);
      }
    }
    for (const id of state.rows.keys()) if (!state.watching.has(id)) state.watching.set(id, store.watchProduct(id));
  }

  const reloadSoon = debounce(() => load(), 250);
  const refreshSoon = new Map();
  function refreshLater(id) {
    if (!refreshSoon.has(id)) refreshSoon.set(id, debounce(() => refreshRow(id), 200));
    refreshSoon.get(id)();
  }

  const offs = [
    store.on("stock.changed", (e) => {
      const id = e.data && e.data.product_id;
      if (state.rows.has(id)) refreshLater(id);
    }),
    store.on("admin.action", (e) => {
      if (e.replayed || !e.data) return;
      const { target_type: type, target_id: target, action } = e.data;
      if (type === "product" && state.rows.has(Number(target)) && action !== "product.delete") refreshLater(Number(target));
      else if (type === "product") reloadSoon();
      else if (type === "category") loadCategories();
    }),
    store.onSync((channel) => channel === "admin" && load()),
  ];

  loadCategories();
  load();

  return {
    update(newParams, newQuery) {
      const filter = filterOf(newQuery);
      if (FILTERS.every((k) => filter[k] === state.filter[k]) && filter.page === state.filter.page) return;
      state.filter = filter;
      form.elements.q.value = filter.q;
      form.elements.category_id.value = filter.category_id;
      form.elements.on_sale.value = filter.on_sale;
      form.elements.low_stock.checked = filter.low_stock === "true";
      load();
    },
    unmount() {
      state.alive = false;
      reloadSoon.cancel();
      for (const off of offs) off();
      for (const unwatch of state.watching.values()) unwatch();
    },
  };
}
