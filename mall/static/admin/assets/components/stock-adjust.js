// Adjust one SKU's stock by a delta, with the reason the audit log keeps (stock.write).

import { dialog, field, h } from "../dom.js";

/** Ask for the delta and reason, send it; resolves with the StockOut, or null if cancelled. */
export function adjustStock(ctx, { skuId, label, stock }) {
  return dialog({
    name: "adjust-stock",
    title: ["调整库存", "Adjust stock"],
    submitLabel: ["调整", "Adjust"],
    build(form) {
      form.append(
        h("p", { class: "dialog-text" }, `${label} · 现有 ${stock} 件 · ${stock} in stock`),
        field(["增减数量", "Change by"], h("input", { name: "delta", type: "number", step: "1", required: true, placeholder: "+20 / -3" }), {
          hint: "正数入库，负数出库 · positive adds, negative takes away",
        }),
        field(["原因", "Reason"], h("input", { name: "reason", required: true, maxlength: 200, placeholder: "补货 / 盘点差异 / 破损" })),
      );
    },
    async submit(form) {
      const delta = Number(form.elements.delta.value);
      const reason = form.elements.reason.value.trim();
      if (!Number.isInteger(delta) || delta === 0) throw new Error("请输入非零整数 · Enter a whole number other than 0");
      if (!reason) throw new Error("请写明原因 · Give a reason");
      return ctx.api.skus.adjust(skuId, delta, reason);
    },
  });
}

/** "12 [调整]" for a SKU's stock cell; the button only with stock.write. */
export function stockCell(ctx, { skuId, label, stock, onAdjusted }) {
  const value = h("span", { class: "stock-value", dataset: { stock } }, String(stock));
  const cell = h("span", { class: "stock-cell", dataset: { skuId } }, value);
  if (ctx.can("stock.write")) {
    cell.append(
      h(
        "button",
        {
          type: "button",
          class: "button button--small button--ghost",
          dataset: { action: "adjust-stock" },
          onclick: async () => {
            const result = await adjustStock(ctx, { skuId, label, stock: Number(value.dataset.stock) });
            if (result && onAdjusted) onAdjusted(result);
          },
        },
        "调整 ",
        h("small", {}, "Adjust"),
      ),
    );
  }
  return cell;
}

/** Show a new stock figure in a cell made by stockCell. */
export function setStock(cell, stock) {
  const value = cell.querySelector(".stock-value");
  if (!value || value.dataset.stock === String(stock)) return;
  value.dataset.stock = String(stock);
  value.textContent = String(stock);
  const row = cell.closest("tr");
  if (row) {
    row.classList.remove("is-changed");
    void row.offsetWidth;
    row.classList.add("is-changed");
  }
}
