// The SKUs low on stock: those low when the screen opens (GET /skus/low-stock), then
// live: stock.low adds one, stock.changed on the product's channel moves or clears it.

import { h, toast } from "../dom.js";
import { specsText, when } from "../format.js";

const LIMIT = 100;

export function skuName(sku) {
  const specs = specsText(sku.specs) || `SKU #${sku.sku_id}`;
  return `${sku.title || `商品 #${sku.product_id}`}（${specs}）`;
}

/** The overview's compact item; the stock screen passes its own row renderer. */
function feedItem(sku, { at } = {}) {
  return h(
    "li",
    { dataset: { skuId: sku.sku_id, stock: sku.stock, productId: sku.product_id } },
    h("time", { datetime: at || "" }, at ? when(at) : "现在 now"),
    h("a", { class: "what", href: `#/products/${sku.product_id}` }, skuName(sku)),
    h(
      "span",
      { class: "detail" },
      h("span", { class: "alert-stock" }, `剩 ${sku.stock} 件`),
      ` · ${sku.stock} left, threshold ${sku.threshold}`,
    ),
  );
}

export class LowStockList {
  constructor({ ctx, list, empty, toastNew = false, render = feedItem, onChange = () => {} }) {
    this.ctx = ctx;
    this.list = list;
    this.empty = empty;
    this.toastNew = toastNew;
    this.render = render;
    this.onChange = onChange;
    this.threshold = null;
    this.entries = new Map(); // sku_id -> {sku, el}
    this.watching = new Map(); // product_id -> unwatch
    this.offs = [
      ctx.store.on("stock.low", (e) => this._low(e)),
      ctx.store.on("stock.changed", (e) => this._changed(e)),
    ];
  }

  get size() {
    return this.entries.size;
  }

  /** The SKUs low right now, from the API (needs catalog.read). */
  async load() {
    if (!this.ctx.can("catalog.read")) return;
    let page;
    try {
      page = await this.ctx.api.skus.lowStock({ page_size: LIMIT });
    } catch (err) {
      if (err.status !== 401) toast("error", "库存预警加载失败 · Low stock did not load", err.message);
      return;
    }
    if (this.destroyed) return;
    this.threshold = page.threshold;
    this.total = page.total;
    this.entries.clear();
    this.list.replaceChildren();
    for (const item of page.items) this._put({ ...item, threshold: page.threshold }, { append: true });
    this._rewatch();
    this._done();
  }

  _put(sku, { at, append = false } = {}) {
    const old = this.entries.get(sku.sku_id);
    const el = this.render(sku, { at, ctx: this.ctx, list: this });
    if (old) old.el.remove();
    if (append) this.list.append(el);
    else this.list.prepend(el);
    this.entries.set(sku.sku_id, { sku, el });
  }

  _remove(skuId) {
    const entry = this.entries.get(skuId);
    if (!entry) return;
    entry.el.remove();
    this.entries.delete(skuId);
  }

  _low(envelope) {
    const data = envelope.data || {};
    const known = this.entries.get(data.sku_id);
    const sku = {
      ...(known ? known.sku : {}),
      sku_id: data.sku_id,
      product_id: data.product_id,
      title: data.title || (known && known.sku.title),
      specs: data.specs || (known && known.sku.specs),
      stock: data.stock,
      threshold: data.threshold,
    };
    if (data.threshold !== undefined) this.threshold = data.threshold;
    if (this.toastNew && !envelope.replayed) {
      toast("warning", "库存不足 · Low stock", `${skuName(sku)} 仅剩 ${data.stock} 件 · ${data.stock} left`);
    }
    if (envelope.replayed && !known) return; // shown by the fresh load if it still is low
    this._put(sku, { at: envelope.at });
    this._rewatch();
    this._done();
  }

  _changed(envelope) {
    const data = envelope.data || {};
    let changed = false;
    for (const { sku_id: skuId, stock } of data.skus || []) {
      const entry = this.entries.get(skuId);
      if (!entry) continue;
      changed = true;
      if (this.threshold !== null && stock >= this.threshold) {
        this._remove(skuId); // restocked
      } else {
        const sku = { ...entry.sku, stock };
        const el = this.render(sku, { ctx: this.ctx, list: this });
        entry.el.replaceWith(el);
        this.entries.set(skuId, { sku, el });
      }
    }
    if (changed) {
      this._rewatch();
      this._done();
    }
  }

  /** Watch the channels of the products listed, and only those. */
  _rewatch() {
    const wanted = new Set([...this.entries.values()].map((e) => e.sku.product_id));
    for (const [pid, unwatch] of this.watching) {
      if (!wanted.has(pid)) {
        unwatch();
        this.watching.delete(pid);
      }
    }
    for (const pid of wanted) {
      if (!this.watching.has(pid)) this.watching.set(pid, this.ctx.store.watchProduct(pid));
    }
  }

  _done() {
    if (this.empty) this.empty.hidden = this.entries.size > 0;
    this.onChange(this);
  }

  destroy() {
    this.destroyed = true;
    for (const off of this.offs) off();
    for (const unwatch of this.watching.values()) unwatch();
    this.watching.clear();
  }
}
