// The console's screens: where they live (hash routes), what the nav calls them, which
// permission shows them, and the module that draws them (loaded when first visited).
//
// A screen module exports mount(el, ctx, params, query) -> {update?(params, query), unmount()}.
// A new feature (after-sales, reviews...) is one more entry here and
// one more module; order actions slot into order-actions.js the same way.

export const SCREENS = [
  {
    id: "overview",
    nav: ["概览", "Overview"],
    icon: "◎",
    permission: null,
    routes: ["/"],
    load: () => import("./overview.js"),
  },
  {
    id: "orders",
    nav: ["订单", "Orders"],
    icon: "▤",
    permission: "orders.read",
    routes: ["/orders", "/orders/:id"],
    load: () => import("./orders.js"),
  },
  {
    id: "after-sales",
    nav: ["售后", "After-sales"],
    icon: "↺",
    permission: "after_sales.read",
    routes: ["/after-sales"],
    load: () => import("./after-sales.js"),
  },
  {
    id: "products",
    nav: ["商品", "Products"],
    icon: "▦",
    permission: "catalog.read",
    routes: ["/products", "/products/:id"], // :id is "new" for a new product
    load: () => import("./products.js"),
  },
  {
    id: "stock",
    nav: ["库存", "Stock"],
    icon: "▥",
    permission: "catalog.read",
    routes: ["/stock"],
    load: () => import("./stock.js"),
  },
  {
    id: "categories",
    nav: ["分类", "Categories"],
    icon: "⋮",
    permission: "catalog.read",
    routes: ["/categories"],
    load: () => import("./categories.js"),
  },
  {
    id: "banners",
    nav: ["轮播图", "Banners"],
    icon: "▭",
    permission: "catalog.read",
    routes: ["/banners"],
    load: () => import("./banners.js"),
  },
  {
    id: "coupons",
    nav: ["优惠券", "Coupons"],
    icon: "¥",
    permission: "coupons.read",
    routes: ["/coupons"],
    load: () => import("./coupons.js"),
  },
  {
    id: "customers",
    nav: ["顾客", "Customers"],
    icon: "☺",
    permission: "users.read",
    routes: ["/customers"],
    load: () => import("./customers.js"),
  },
  {
    id: "reviews",
    nav: ["评价", "Reviews"],
    icon: "★",
    permission: "reviews.read",
    routes: ["/reviews"],
    load: () => import("./reviews.js"),
  },
  {
    id: "settings",
    nav: ["设置", "Settings"],
    icon: "⚙",
    permission: "settings.read",
    routes: ["/settings"],
    load: () => import("./settings.js"),
  },
  {
    id: "freight",
    nav: ["运费模板", "Freight"],
    icon: "⛟",
    permission: "settings.read",
    routes: ["/freight"],
    load: () => import("./freight.js"),
  },
  {
    id: "staff",
    nav: ["员工", "Staff"],
    icon: "♙",
    permission: ["admins.read", "roles.read"],
    routes: ["/staff"],
    load: () => import("./staff.js"),
  },
  {
    id: "logs",
    nav: ["操作日志", "Audit log"],
    icon: "≡",
    permission: "logs.read",
    routes: ["/logs"],
    load: () => import("./logs.js"),
  },
];

/** Whether the signed-in admin may open a screen (any one of a list of permissions). */
export function mayOpen(screen, can) {
  if (!screen.permission) return true;
  const needed = Array.isArray(screen.permission) ? screen.permission : [screen.permission];
  return needed.some((permission) => can(permission));
}
