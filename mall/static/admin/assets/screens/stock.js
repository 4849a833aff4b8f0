// Stock: every SKU on sale below the low-stock threshold now, emptiest first, adjusted in
// place (with a reason); live: a SKU falling low appears, one restocked leaves.

import { LowStockList } from "../components/low-stock.js";
import { thumb } from "../components/order-row.js";
import { setStock, stockCell } from "../components/stock-adjust.js";
import { bi, h, screenHead, toast } from "../dom.js";
import { specsText, yuan } from "../format.js";

function row(sku, { ctx }) {
  const label = `${sku.title || `#${sku.product_id}`} ${specsText(sku.specs)}`;
  const cell = stockCell(ctx, {
    skuId: sku.sku_id,
    label,
    stock: sku.stock,
    onAdjusted: (out) => {
      setStock(cell, out.stock);
      toast("info", "库存已调整 · Stock adjusted", `${label}: ${out.previous} → ${out.stock}`);
    },
  });
  return h(
    "tr",
    { dataset: { skuId: sku.sku_id, productId: sku.product_id, stock: sku.stock } },
    h("td", {}, h("a", { class: "cell-title", href: `#/products/${sku.product_id}` }, thumb(sku.cover_url), h("span", {}, sku.title || `商品 #${sku.product_id}`, h("span", { class: "sub" }, `SKU #${sku.sku_id}`)))),
    h("td", { "data-label": "规格" }, specsText(sku.specs) || "—"),
    h("td", { class: "num", "data-label": "价格" }, sku.price !== undefined ? `¥${yuan(sku.price)}` : ""),
    h("td", { class: "num", "data-label": "库存" }, h("span", { class: "alert-stock" }, cell)),
  );
}

export function mount(el, ctx) {
  const tbody = h("tbody", { id: "low-stock" });
  const empty = h("p", { class: "empty", hidden: true, dataset: { role: "no-low-stock" } }, "库存充足 · Nothing is low on stock");
  const threshold = h("span", { class: "muted", dataset: { role: "threshold" } });
  const count = h("span", { class: "count" });
  el.append(
    screenHead(["库存", "Stock"], ctx.can("settings.read") ? h("a", { class: "button button--ghost", href: "#/settings" }, ...bi("预警阈值", "Threshold")) : null),
    h(
      "section",
      { class: "panel" },
      h("div", { class: "panel-head" }, h("h2", {}, ...bi("库存不足的规格", "SKUs low on stock"), count), threshold),
      h(
        "div",
        { class: "table-wrap" },
        h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, ...bi("商品", "Product")), h("th", {}, ...bi("规格", "Specs")), h("th", { class: "num" }, ...bi("价格", "Price")), h("th", { class: "num" }, ...bi("库存", "Stock")))), tbody),
        empty,
      ),
    ),
  );
  const list = new LowStockList({
    ctx,
    list: tbody,
    empty,
    render: row,
    onChange: (l) => {
      count.textContent = String(l.size);
      if (l.threshold !== null) threshold.textContent = `低于 ${l.threshold} 件 · below ${l.threshold}`;
    },
  });
  list.load();
  const off = ctx.store.onSync((channel) => channel === "admin" && list.load());
  return {
    unmount() {
      off();
      list.destroy();
    },
  };
}
