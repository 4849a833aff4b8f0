// Labels and number/time formats of the dashboard (shop time: Asia/Shanghai).

export const SHOP_TZ = "Asia/Shanghai";

/** Order statuses (API.md strings) with the Chinese and English labels staff see. */
export const STATUSES = {
  pending_payment: ["待付款", "Pending payment"],
  paid: ["已付款", "Paid"],
  shipped: ["已发货", "Shipped"],
  completed: ["已完成", "Completed"],
  cancelled: ["已取消", "Cancelled"],
  refunding: ["退款中", "Refunding"],
  refunded: ["已退款", "Refunded"],
};

/** What each admin-channel event means, for the activity feed. */
export const EVENTS = {
  "order.created": ["新订单", "New order"],
  "order.paid": ["已付款", "Paid"],
  "order.shipped": ["已发货", "Shipped"],
  "order.completed": ["已收货", "Completed"],
  "order.cancelled": ["已取消", "Cancelled"],
  "order.refund_requested": ["申请退款", "Refund requested"],
  "order.refunded": ["已退款", "Refunded"],
  "stock.low": ["库存不足", "Low stock"],
};

export function statusLabel(status) {
  return STATUSES[status] || [status, status];
}

const yuanFormat = new Intl.NumberFormat("zh-CN", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** Integer fen as yuan: 12345 -> "123.45". */
export function yuan(fen) {
  const value = Number(fen) || 0;
  return yuanFormat.format(Math.trunc(value) / 100);
}

const dayFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: SHOP_TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const clockFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: SHOP_TZ,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const dateFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: SHOP_TZ,
  month: "numeric",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

/** "14:02:31" today (shop time), "11月3日 14:02" on other days. */
export function when(iso) {
  const date = iso ? new Date(iso) : new Date();
  if (Number.isNaN(date.getTime())) return "";
  if (dayFormat.format(date) === dayFormat.format(new Date())) return clockFormat.format(date);
  return dateFormat.format(date);
}

export function clock(date = new Date()) {
  return clockFormat.format(date);
}

export function specsText(specs) {
  return Object.values(specs || {}).join(" / ");
}
