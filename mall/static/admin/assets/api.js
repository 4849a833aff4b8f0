// The console's one API client: the admin session (tokens in sessionStorage, refreshed
// before they expire), calls to the admin REST API with it, and every admin route the
// console uses, by domain (makeApi). A screen never builds a URL of the API itself.

const STORAGE_KEY = "mall.admin.session";
// Refresh this long before the access token expires (or at 80% of its life if shorter).
const REFRESH_MARGIN_MS = 60_000;
const RETRY_REFRESH_MS = 10_000;

/** An error answer of the API: {"error": {"code", "message", "details"}}. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

async function request(path, { method = "GET", body, form, token, blob = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: form !== undefined ? form : body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (err) {
    throw new ApiError(0, "network_error", "网络不可用 Network unavailable");
  }
  if (response.status === 204) return null;
  if (blob && response.ok) return response.blob();
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code, error.message, error.details);
  }
  return data;
}

/**
 * The logged-in admin. Emits "change" (tokens replaced) and "expired" (the session can no
 * longer be refreshed: sign in again) on itself.
 */
export class Session extends EventTarget {
  constructor() {
    super();
    this.data = null;
    this._refreshing = null;
    this._timer = null;
    try {
      this.data = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      this.data = null;
    }
  }

  get active() {
    return Boolean(this.data && this.data.refresh_token);
  }

  get accessToken() {
    return this.data ? this.data.access_token : null;
  }

  get admin() {
    return this.data ? this.data.admin : null;
  }

  can(permission) {
    const admin = this.admin;
    return Boolean(admin && (admin.is_superuser || (admin.permissions || []).includes(permission)));
  }

  /** Milliseconds the access token has left (negative once expired). */
  get remainingMs() {
    return this.data ? this.data.expires_at - Date.now() : -1;
  }

  async login(username, password) {
    const tokens = await request("/api/admin/auth/login", {
      method: "POST",
      body: { username, password },
    });
    this._store(tokens, tokens.admin);
  }

  async logout() {
    const token = this.accessToken;
    this.clear();
    if (token) {
      // Best effort: the token is forgotten here whatever the server answers.
      await request("/api/admin/auth/logout", { method: "POST", token }).catch(() => {});
    }
  }

  clear() {
    clearTimeout(this._timer);
    this.data = null;
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async freshToken() {
    if (!this.active) throw new ApiError(401, "not_signed_in", "Not signed in");
    if (this.remainingMs < 15_000) await this.refresh();
    return this.accessToken;
  }

  /**
   * Swap the refresh token for a new pair. One refresh at a time: a refresh token is
   * single-use and a reused one revokes the whole login.
   */
  refresh() {
    if (!this._refreshing) {
      const spent = this.data && this.data.refresh_token;
      this._refreshing = (async () => {
        try {
          if (!spent) throw new ApiError(401, "not_signed_in", "Not signed in");
          const tokens = await request("/api/admin/auth/refresh", {
            method: "POST",
            body: { refresh_token: spent },
          });
          this._store(tokens, this.admin);
        } catch (err) {
          if (err.status === 401 || err.status === 403) {
            this.clear();
            this.dispatchEvent(new Event("expired"));
          } else {
            this._schedule(RETRY_REFRESH_MS);
          }
          throw err;
        } finally {
          this._refreshing = null;
        }
      })();
    }
    return this._refreshing;
  }

  /** Call the admin API; a 401 gets one refresh and one retry. */
  async api(path, options = {}) {
    const token = await this.freshToken();
    try {
      return await request(path, { ...options, token });
    } catch (err) {
      if (err.status !== 401 || !this.active) throw err;
      await this.refresh();
      return request(path, { ...options, token: this.accessToken });
    }
  }

  resume() {
    if (this.active) this._schedule(this._refreshDelay());
  }

  /** Reload who this admin is and what it may do (roles change while signed in). */
  async loadMe() {
    const admin = await this.api("/api/admin/auth/me");
    if (!this.data) return admin;
    this.data = { ...this.data, admin };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.data));
    this.dispatchEvent(new Event("change"));
    return admin;
  }

  _store(tokens, admin) {
    this.data = {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      expires_at: Date.now() + tokens.expires_in * 1000,
      expires_in: tokens.expires_in,
      admin,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.data));
    this._schedule(this._refreshDelay());
    this.dispatchEvent(new Event("change"));
  }

  _refreshDelay() {
    const lifetime = (this.data.expires_in || 900) * 1000;
    const margin = Math.min(REFRESH_MARGIN_MS, lifetime * 0.2);
    return Math.max(this.remainingMs - margin, 0);
  }

  _schedule(delay) {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this.refresh().catch(() => {}), delay);
  }
}

function qs(params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** Every admin route the console calls, grouped by domain. */
export function makeApi(session) {
  const A = "/api/admin";
  const get = (path, params) => session.api(`${A}${path}${qs(params)}`);
  const send = (method) => (path, body) => session.api(`${A}${path}`, { method, body });
  const post = send("POST");
  const put = send("PUT");
  const patch = send("PATCH");
  const del = (path) => session.api(`${A}${path}`, { method: "DELETE" });
  return {
    me: () => session.loadMe(),
    stats: {
      overview: () => get("/stats/overview"),
    },
    orders: {
      list: (filter) => get("/orders", filter),
      get: (id) => get(`/orders/${id}`),
      ship: (id, body) => post(`/orders/${id}/ship`, body),
      update: (id, body) => patch(`/orders/${id}`, body),
      adjustPrice: (id, body) => post(`/orders/${id}/adjust-price`, body),
      shipBatch: (file) => {
        const form = new FormData();
        form.append("file", file, file.name || "orders.csv");
        return session.api(`${A}/orders/ship-batch`, { method: "POST", form });
      },
      exportCsv: (filter) => session.api(`${A}/orders/export${qs(filter)}`, { blob: true }),
      carriers: () => get("/carriers"),
      cancel: (id) => post(`/orders/${id}/cancel`),
      retrySync: (id) => post(`/orders/${id}/shipping-sync`),
      approveRefund: (id) => post(`/orders/${id}/refund/approve`),
      rejectRefund: (id, reason) => post(`/orders/${id}/refund/reject`, { reason }),
      // Staff refund: items [{order_item_id, quantity}], or null for everything left.
      refund: (id, items, reason) => post(`/orders/${id}/refund`, items ? { items, reason } : { reason }),
    },
    afterSales: {
      list: (params) => get("/after-sales", params),
      get: (id) => get(`/after-sales/${id}`),
      approve: (id) => post(`/after-sales/${id}/approve`),
      reject: (id, reason) => post(`/after-sales/${id}/reject`, { reason }),
      receive: (id, resellable) => post(`/after-sales/${id}/receive`, { resellable }),
    },
    products: {
      list: (filter) => get("/products", filter),
      get: (id) => get(`/products/${id}`),
      create: (body) => post("/products", body),
      update: (id, body) => put(`/products/${id}`, body),
      remove: (id) => del(`/products/${id}`),
      onSale: (id, on) => post(`/products/${id}/${on ? "on-sale" : "off-sale"}`),
    },
    skus: {
      lowStock: (params) => get("/skus/low-stock", params),
      adjust: (id, delta, reason) => post(`/skus/${id}/stock/adjust`, { delta, reason }),
      setStock: (id, stock, reason) => put(`/skus/${id}/stock`, { stock, reason }),
    },
    categories: {
      tree: () => get("/categories"),
      create: (body) => post("/categories", body),
      update: (id, body) => put(`/categories/${id}`, body),
      remove: (id) => del(`/categories/${id}`),
    },
    banners: {
      list: (params) => get("/banners", params),
      create: (body) => post("/banners", body),
      update: (id, body) => put(`/banners/${id}`, body),
      remove: (id) => del(`/banners/${id}`),
    },
    uploads: {
      image: (file) => {
        const form = new FormData();
        form.append("file", file, file.name || "image");
        return session.api(`${A}/uploads`, { method: "POST", form });
      },
    },
    coupons: {
      list: (params) => get("/coupons", params),
      get: (id) => get(`/coupons/${id}`),
      usage: (id) => get(`/coupons/${id}/usage`),
      create: (body) => post("/coupons", body),
      update: (id, body) => put(`/coupons/${id}`, body),
      remove: (id) => del(`/coupons/${id}`),
    },
    freight: {
      list: (params) => get("/freight-templates", params),
      create: (body) => post("/freight-templates", body),
      update: (id, body) => put(`/freight-templates/${id}`, body),
      remove: (id) => del(`/freight-templates/${id}`),
    },
    settings: {
      get: () => get("/settings"),
      update: (body) => put("/settings", body),
    },
    admins: {
      list: (params) => get("/admins", params),
      create: (body) => post("/admins", body),
      update: (id, body) => patch(`/admins/${id}`, body),
      remove: (id) => del(`/admins/${id}`),
    },
    roles: {
      list: () => get("/roles"),
      create: (body) => post("/roles", body),
      update: (id, body) => put(`/roles/${id}`, body),
      remove: (id) => del(`/roles/${id}`),
    },
    users: {
      list: (params) => get("/users", params),
      ban: (id, reason) => post(`/users/${id}/ban`, { reason }),
      unban: (id) => post(`/users/${id}/unban`),
      decideNickname: (id, approve, nickname) => post(`/users/${id}/nickname`, { approve, nickname }),
    },
    logs: {
      list: (params) => get("/logs", params),
    },
    reviews: {
      list: (params) => get("/reviews", params),
      show: (id) => post(`/reviews/${id}/show`),
      hide: (id) => post(`/reviews/${id}/hide`),
      reply: (id, content) => post(`/reviews/${id}/reply`, { content }),
    },
  };
}
