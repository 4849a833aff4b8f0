// Labels and number/time formats of the console (shop time: Asia/Shanghai).

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
  "after_sale.requested": ["申请售后", "After-sale requested"],
  "after_sale.approved": ["售后已同意", "After-sale approved"],
  "after_sale.rejected": ["售后已拒绝", "After-sale rejected"],
  "after_sale.cancelled": ["售后已撤销", "After-sale withdrawn"],
  "after_sale.returned": ["顾客已寄回", "Goods sent back"],
  "after_sale.received": ["已收到退货", "Returned goods received"],
  "after_sale.refunded": ["售后已退款", "After-sale refunded"],
  "stock.low": ["库存不足", "Low stock"],
  "shipping_sync.failed": ["微信发货同步失败", "WeChat shipping sync failed"],
  "admin.action": ["后台操作", "Staff action"],
};

/** Audit-log actions (admin.action events, the log screen), bilingual. */
export const ACTIONS = {
  "order.ship": ["发货", "shipped"],
  "order.cancel": ["取消订单", "cancelled"],
  "refund.approve": ["同意退款", "approved a refund"],
  "refund.reject": ["拒绝退款", "rejected a refund"],
  "refund.request": ["代客申请退款", "requested a refund"],
  "product.create": ["新建商品", "created a product"],
  "product.update": ["编辑商品", "edited a product"],
  "product.delete": ["删除商品", "removed a product"],
  "product.on_sale": ["上架", "put on sale"],
  "product.off_sale": ["下架", "took off sale"],
  "sku.stock_set": ["设置库存", "set stock"],
  "sku.stock_adjust": ["调整库存", "adjusted stock"],
  "category.create": ["新建分类", "created a category"],
  "category.update": ["编辑分类", "edited a category"],
  "category.delete": ["删除分类", "deleted a category"],
  "banner.create": ["新建轮播图", "created a banner"],
  "banner.update": ["编辑轮播图", "edited a banner"],
  "banner.delete": ["删除轮播图", "deleted a banner"],
  "upload.create": ["上传图片", "uploaded an image"],
  "coupon.create": ["新建优惠券", "created a coupon"],
  "coupon.update": ["编辑优惠券", "edited a coupon"],
  "coupon.delete": ["删除优惠券", "deleted a coupon"],
  "settings.update": ["修改设置", "changed settings"],
  "admin.create": ["新建员工", "added staff"],
  "admin.update": ["编辑员工", "edited staff"],
  "admin.delete": ["删除员工", "removed staff"],
  "role.create": ["新建角色", "created a role"],
  "role.update": ["编辑角色", "edited a role"],
  "role.delete": ["删除角色", "deleted a role"],
  "user.ban": ["封禁顾客", "banned a customer"],
  "user.unban": ["解封顾客", "unbanned a customer"],
  "user.nickname_approve": ["通过顾客昵称", "approved a customer's nickname"],
  "user.nickname_reject": ["驳回顾客昵称", "rejected a customer's nickname"],
  "review.show": ["发布评价", "published a review"],
  "review.hide": ["隐藏评价", "hid a review"],
  "review.reply": ["回复评价", "replied to a review"],
  "after_sale.request": ["代客申请售后", "requested an after-sale"],
  "after_sale.refund": ["主动退款", "refunded an order"],
  "after_sale.approve": ["同意售后", "approved an after-sale"],
  "after_sale.reject": ["拒绝售后", "rejected an after-sale"],
  "after_sale.receive": ["确认收到退货", "received returned goods"],
  "order.shipping_sync.retry": ["重试发货同步", "retried the shipping sync"],
};

export function actionLabel(action) {
  return ACTIONS[action] || [action, action];
}

/** Permissions (mall/admin/permissions.py), bilingual. */
export const PERMISSIONS = {
  "admins.read": ["查看员工", "View staff"],
  "admins.write": ["管理员工", "Manage staff"],
  "roles.read": ["查看角色", "View roles"],
  "roles.write": ["管理角色", "Manage roles"],
  "users.read": ["查看顾客", "View customers"],
  "users.ban": ["封禁顾客", "Ban customers"],
  "logs.read": ["查看操作日志", "View audit log"],
  "catalog.read": ["查看商品", "View catalog"],
  "catalog.write": ["编辑商品", "Edit catalog"],
  "stock.write": ["调整库存", "Change stock"],
  "uploads.write": ["上传图片", "Upload images"],
  "orders.read": ["查看订单", "View orders"],
  "orders.write": ["处理订单", "Fulfil orders"],
  "refunds.write": ["处理退款", "Decide refunds"],
  "coupons.read": ["查看优惠券", "View coupons"],
  "coupons.write": ["管理优惠券", "Manage coupons"],
  "settings.read": ["查看设置", "View settings"],
  "settings.write": ["修改设置", "Change settings"],
  "stats.read": ["查看数据", "View figures"],
  "reviews.read": ["查看评价", "View reviews"],
  "reviews.write": ["审核评价", "Moderate reviews"],
  "reconciliations.read": ["查看对账", "View reconciliations"],
  "reconciliations.write": ["执行对账", "Run reconciliations"],
  "orders.price": ["订单改价", "Adjust order prices"],
  "orders.export": ["导出订单", "Export orders"],
  "marketing.read": ["查看营销", "View marketing"],
  "marketing.write": ["管理营销", "Run marketing"],
  "after_sales.read": ["查看售后", "View after-sales"],
  "after_sales.write": ["处理售后", "Decide after-sales"],
};

export const REFUND_STATUSES = {
  requested: ["待审核", "Awaiting review"],
  refunding: ["退款中", "Refunding"],
  refunded: ["已退款", "Refunded"],
  rejected: ["已拒绝", "Rejected"],
  failed: ["退款失败", "Failed"],
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

const fullFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: SHOP_TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/** "2026/11/23 14:02:31" in shop time; "" for nothing. */
export function fullTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : fullFormat.format(date);
}

/** Today's shop-local date as YYYY-MM-DD (what date inputs and the API's filters use). */
export function shopDate(date = new Date()) {
  return dayFormat.format(date);
}

/** "¥49.00" or "¥49.00 – 59.00" for a price range. */
export function priceRange(min, max) {
  return min === max || max === undefined ? `¥${yuan(min)}` : `¥${yuan(min)} – ${yuan(max)}`;
}

/** The shop-local "YYYY-MM-DDTHH:MM" of an instant, for datetime-local inputs. */
export function localInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: SHOP_TZ,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour === "24" ? "00" : parts.hour}:${parts.minute}`;
}

/** A datetime-local value read as shop time (UTC+8, no DST) -> ISO 8601 with offset. */
export function fromLocalInput(value) {
  return value ? `${value}:00+08:00` : null;
}

/**
 * An image URL the page may load under its CSP (img-src 'self' https: data:): an upload
 * the app serves itself over plain http (a dev setup reached under another host name) is
 * loaded from this origin instead.
 */
export function imageSrc(url) {
  if (!url) return "";
  const match = /^http:\/\/[^/]+(\/uploads\/[^?#]+)$/.exec(url);
  return match ? match[1] : url;
}
