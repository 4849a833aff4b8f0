// What staff can do to one order, as a list: each action names the permission it needs,
// when it applies (the order's state), and what it does. The drawer shows an action only
// to an admin with its permission and only when it applies; the server decides anyway,
// and its refusal (403, 409 with the current status) is shown as it says it.
//
// A new action (partial refund, after-sales decisions...) is one more entry here once its
// API exists.

import { confirm, dialog, fenOf, field, h, yuanInput } from "../dom.js";
import { specsText, yuan } from "../format.js";

// WeChat's carrier codes (GET /api/admin/carriers): the shipping upload names one of them.
let carriersLoaded = null;

function carriers(ctx) {
  carriersLoaded ??= ctx.api.orders.carriers().then((page) => page.items, (error) => {
    carriersLoaded = null;
    throw error;
  });
  return carriersLoaded;
}

function shipDialog(ctx, order) {
  return dialog({
    name: "ship",
    title: ["发货", "Ship the order"],
    submitLabel: ["确认发货", "Ship"],
    build(form) {
      const select = h("select", { name: "carrier_code", required: true }, h("option", { value: "" }, "…"));
      carriers(ctx).then(
        (items) => select.replaceChildren(
          h("option", { value: "" }, "选择快递公司 · Choose a carrier"),
          ...items.map((c) => h("option", { value: c.code }, `${c.name} (${c.code})`)),
        ),
        () => select.replaceChildren(h("option", { value: "" }, "无法加载快递公司 · Carriers unavailable")),
      );
      form.append(
        h("p", { class: "dialog-text muted" }, `${order.order_no} · ¥${yuan(order.pay_amount)} · ${(order.address || {}).name || ""}`),
        field(["快递公司", "Carrier"], select),
        field(["运单号", "Tracking number"], h("input", { name: "tracking_no", required: true, maxlength: 64, pattern: "[A-Za-z0-9-]+", autocomplete: "off" }), {
          hint: "字母、数字或 - · letters, digits or -",
        }),
      );
    },
    submit: (form) =>
      ctx.api.orders.ship(order.id, {
        carrier_code: form.elements.carrier_code.value,
        tracking_no: form.elements.tracking_no.value.trim(),
      }),
  });
}

function rejectDialog(ctx, order) {
  return dialog({
    name: "reject-refund",
    title: ["拒绝退款", "Reject the refund request"],
    submitLabel: ["拒绝", "Reject"],
    danger: true,
    build(form) {
      form.append(
        h("p", { class: "dialog-text" }, `订单回到原状态 · The order goes back to where it was. ${order.refund ? `「${order.refund.reason}」` : ""}`),
        field(["拒绝理由（顾客可见）", "Reason (the customer sees it)"], h("textarea", { name: "reason", maxlength: 255 })),
      );
    },
    submit: (form) => ctx.api.orders.rejectRefund(order.id, form.elements.reason.value.trim()),
  });
}

/** Units of an item not yet under an after-sale (nor refunded). */
export const unitsLeft = (item) => Math.max(0, item.quantity - (item.after_sale_quantity || 0));

/**
 * Staff refund (POST /api/admin/orders/<id>/refund): some units of some items, or
 * everything left, with a reason; the server computes the amount and sends it to WeChat Pay.
 */
function staffRefundDialog(ctx, order) {
  const items = (order.items || []).filter((item) => unitsLeft(item) > 0);
  return dialog({
    name: "staff-refund",
    title: ["主动退款", "Refund the customer"],
    submitLabel: ["退款", "Refund"],
    danger: true,
    build(form) {
      const lines = h(
        "table",
        { class: "lines", dataset: { role: "refund-lines" } },
        h(
          "tbody",
          {},
          items.map((item) =>
            h(
              "tr",
              { dataset: { orderItemId: item.id } },
              h("td", {}, item.title, h("span", { class: "sub muted" }, ` ${specsText(item.specs)}`)),
              h("td", { class: "num muted" }, `可退 left ${unitsLeft(item)}`),
              h("td", { class: "num" }, h("input", { name: `qty.${item.id}`, type: "number", min: 0, max: unitsLeft(item), step: 1, value: 0, "aria-label": `${item.title} 退款件数 units`, class: "qty" })),
            ),
          ),
        ),
      );
      const everything = h("input", { type: "radio", name: "scope", value: "all", checked: true });
      const some = h("input", { type: "radio", name: "scope", value: "items" });
      const sync = () => (lines.hidden = everything.checked);
      everything.addEventListener("change", sync);
      some.addEventListener("change", sync);
      form.append(
        h("p", { class: "dialog-text muted" }, `${order.order_no} · 实付 paid ¥${yuan(order.pay_amount)} · 金额由服务器按实付计算 · the server computes the amount from what was paid`),
        h("label", { class: "check" }, everything, " 剩余全部退款 · Everything not yet refunded"),
        h("label", { class: "check" }, some, " 选择商品和数量 · Choose items and units"),
        lines,
        field(["退款原因", "Reason"], h("input", { name: "reason", maxlength: 255, required: true }), { hint: "顾客可见 · the customer sees it", wide: true }),
      );
      sync();
    },
    async submit(form) {
      const reason = form.elements.reason.value.trim();
      if (!reason) throw new Error("请填写原因 · A reason is required");
      let chosen = null;
      if (form.elements.scope.value === "items") {
        chosen = items
          .map((item) => ({ order_item_id: item.id, quantity: Number(form.elements[`qty.${item.id}`].value) }))
          .filter((line) => line.quantity > 0);
        if (chosen.some((line) => !Number.isInteger(line.quantity))) throw new Error("件数应为整数 · Units must be whole numbers");
        if (!chosen.length) throw new Error("请选择至少一件 · Choose at least one unit");
      }
      await ctx.api.orders.refund(order.id, chosen, reason);
      return true;
    },
  });
}

// The 34 provincial-level divisions an address may name (mall/freight/provinces.json).
const PROVINCES = [
  "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
  "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省",
  "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
  "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
  "香港特别行政区", "澳门特别行政区",
];

function remarkDialog(ctx, order) {
  return dialog({
    name: "staff-remark",
    title: ["商家备注", "Staff remark"],
    submitLabel: ["保存", "Save"],
    build(form) {
      form.append(
        field(["备注（顾客看不到）", "Remark (the customer never sees it)"], h("textarea", { name: "staff_remark", maxlength: 500 }, order.staff_remark || "")),
      );
    },
    submit: (form) => ctx.api.orders.update(order.id, { staff_remark: form.elements.staff_remark.value }),
  });
}

function addressDialog(ctx, order) {
  const a = order.address || {};
  const input = (name, value, attrs = {}) => h("input", { name, value: value || "", required: true, autocomplete: "off", ...attrs });
  return dialog({
    name: "change-address",
    title: ["修改收货地址", "Change the delivery address"],
    submitLabel: ["保存地址", "Save address"],
    build(form) {
      const province = h(
        "select",
        { name: "province", required: true },
        ...PROVINCES.map((p) => h("option", { value: p }, p)),
      );
      if (PROVINCES.includes(a.province)) province.value = a.province;
      form.append(
        h("p", { class: "dialog-text muted" }, "发货前可改，改动记入订单记录 · Until it ships; the change goes into the history."),
        field(["收货人", "Name"], input("name", a.name, { maxlength: 64 })),
        field(["电话", "Phone"], input("phone", a.phone, { maxlength: 20 })),
        field(["省份", "Province"], province),
        field(["城市", "City"], input("city", a.city, { maxlength: 64 })),
        field(["区县", "District"], input("district", a.district, { maxlength: 64 })),
        field(["详细地址", "Detail"], input("detail", a.detail, { maxlength: 255 })),
      );
    },
    submit: (form) => {
      const value = (name) => form.elements[name].value.trim();
      return ctx.api.orders.update(order.id, {
        address: { name: value("name"), phone: value("phone"), province: value("province"), city: value("city"), district: value("district"), detail: value("detail") },
      });
    },
  });
}

function priceDialog(ctx, order) {
  return dialog({
    name: "adjust-price",
    title: ["修改价格", "Adjust the price"],
    submitLabel: ["改价", "Adjust"],
    build(form) {
      form.append(
        h("p", { class: "dialog-text muted" }, `现价 ¥${yuan(order.pay_amount)}；原支付单关闭，顾客需重新付款 · Now ¥${yuan(order.pay_amount)}; the old payment is closed and the customer pays again.`),
        field(["应付金额（元）", "Amount to pay (yuan)"], yuanInput("pay_amount", order.pay_amount, { required: true })),
        field(["理由", "Reason"], h("input", { name: "reason", required: true, maxlength: 255, autocomplete: "off" })),
      );
    },
    submit: (form) => {
      const fen = fenOf(form.elements.pay_amount.value);
      if (!(fen >= 1)) throw new Error("金额须为 0.01 元以上 · At least 0.01 yuan");
      return ctx.api.orders.adjustPrice(order.id, { pay_amount: fen, reason: form.elements.reason.value.trim() });
    },
  });
}

export const ORDER_ACTIONS = [
  {
    id: "ship",
    label: ["发货", "Ship"],
    permission: "orders.write",
    when: (order) => order.status === "paid",
    primary: true,
    run: shipDialog,
  },
  {
    id: "approve-refund",
    label: ["同意退款", "Approve refund"],
    permission: "refunds.write",
    when: (order) => order.status === "refunding" && order.refund && ["requested", "failed"].includes(order.refund.status),
    primary: true,
    run: (ctx, order) =>
      confirm({
        name: "approve-refund",
        title: ["同意退款", "Approve the refund"],
        body: `微信支付将退还 ¥${yuan(order.refund.amount)} · WeChat Pay returns ¥${yuan(order.refund.amount)} to the customer.`,
        submitLabel: ["同意并退款", "Approve and refund"],
        danger: false,
        submit: () => ctx.api.orders.approveRefund(order.id),
      }),
  },
  {
    id: "reject-refund",
    label: ["拒绝退款", "Reject refund"],
    permission: "refunds.write",
    when: (order) => order.status === "refunding" && order.refund && order.refund.status === "requested",
    run: rejectDialog,
  },
  {
    id: "staff-refund",
    label: ["主动退款", "Refund"],
    permission: "refunds.write",
    when: (order) => ["paid", "shipped", "completed"].includes(order.status) && (order.items || []).some((item) => unitsLeft(item) > 0),
    danger: true,
    run: staffRefundDialog,
  },
  {
    id: "adjust-price",
    label: ["改价", "Adjust price"],
    permission: "orders.price",
    when: (order) => order.status === "pending_payment",
    run: priceDialog,
  },
  {
    id: "change-address",
    label: ["改地址", "Change address"],
    permission: "orders.write",
    when: (order) => ["pending_payment", "paid"].includes(order.status),
    run: addressDialog,
  },
  {
    id: "staff-remark",
    label: ["备注", "Remark"],
    permission: "orders.write",
    when: () => true,
    run: remarkDialog,
  },
  {
    id: "cancel",
    label: ["取消订单", "Cancel order"],
    permission: "orders.write",
    when: (order) => order.status === "pending_payment",
    danger: true,
    run: (ctx, order) =>
      confirm({
        name: "cancel",
        title: ["取消订单", "Cancel the order"],
        body: "库存和优惠券会退回，顾客无法再付款。 · Stock and coupon go back; the customer can no longer pay.",
        submitLabel: ["取消订单", "Cancel order"],
        submit: () => ctx.api.orders.cancel(order.id),
      }),
  },
];

/** The actions this admin may take on this order now. */
export function actionsFor(order, can) {
  return ORDER_ACTIONS.filter((action) => can(action.permission) && action.when(order));
}
