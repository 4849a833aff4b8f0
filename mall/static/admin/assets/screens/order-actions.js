// What staff can do to one order, as a list: each action names the permission it needs,
// when it applies (the order's state), and what it does. The drawer shows an action only
// to an admin with its permission and only when it applies; the server decides anyway,
// and its refusal (403, 409 with the current status) is shown as it says it.
//
// A new action (staff remark, address change, price adjustment, partial refund, after-sales
// decisions...) is one more entry here once its API exists.

import { confirm, dialog, field, h } from "../dom.js";
import { yuan } from "../format.js";

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
