// DOM building blocks of the console: elements, bilingual labels, toasts, dialogs,
// the drawer, and how a refused API call is shown. Text is never parsed as HTML.

const TOAST_MS = 6000;

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** A DOM element: h("td", {class: "num", onclick: fn}, "¥1.00"). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") Object.assign(el.style, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** "中文 <small>English</small>", the console's label style. */
export function bi(zh, en) {
  return [`${zh} `, h("small", {}, en)];
}

/** A button: button(["发货", "Ship"], onClick, {class: "button--primary"}). */
export function button([zh, en], onclick, attrs = {}) {
  const cls = `button ${attrs.class || ""}`.trim();
  return h("button", { type: "button", ...attrs, class: cls, onclick }, ...bi(zh, en));
}

/** A labelled form field around an input/select/textarea. */
export function field([zh, en], control, { hint, wide } = {}) {
  return h(
    "label",
    { class: `field${wide ? " field--wide" : ""}` },
    h("span", {}, ...bi(zh, en)),
    control,
    hint ? h("span", { class: "hint" }, hint) : null,
  );
}

export function select(name, options, value) {
  return h(
    "select",
    { name },
    options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value ?? "") }, label)),
  );
}

/** Seconds of work with the button disabled: a double click sends one request. */
export async function busy(el, work) {
  el.disabled = true;
  el.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    el.disabled = false;
    el.removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------- errors

const STATUS_TEXT = {
  0: ["网络不可用", "Network unavailable"],
  400: ["请求有误", "Bad request"],
  401: ["需要登录", "Sign in again"],
  403: ["没有权限", "Not allowed"],
  404: ["不存在", "Not found"],
  409: ["状态冲突", "Conflict"],
  413: ["文件太大", "Too large"],
  422: ["输入有误", "Invalid input"],
  429: ["操作太频繁", "Too many requests"],
  502: ["微信支付未响应", "Upstream failed"],
  503: ["服务暂不可用", "Unavailable"],
};

/** The server's own words for a refused call, with its status: "409 状态冲突 Conflict: ...". */
export function errorText(err) {
  const [zh, en] = STATUS_TEXT[err.status] || ["出错了", "Error"];
  let message = err.message || "";
  if (Array.isArray(err.details) && err.details.length) {
    const fields = err.details
      .filter((d) => d && (d.field || d.message))
      .map((d) => (d.field ? `${d.field}: ${d.message}` : d.message));
    if (fields.length) message = `${message} (${fields.join("; ")})`;
  }
  return `${err.status || ""} ${zh} ${en}: ${message}`.trim();
}

/** Show a refused call where it happened (an error line) and as a toast. */
export function showError(err, where) {
  if (err && err.status === 401) return; // the session handles it
  const text = errorText(err);
  if (where) {
    where.textContent = text;
    where.hidden = false;
    where.dataset.status = String(err.status || "");
    where.dataset.code = err.code || "";
  }
  toast("error", "操作未完成 · Not done", text);
}

export function clearError(where) {
  if (!where) return;
  where.hidden = true;
  where.textContent = "";
}

export function errorLine() {
  return h("p", { class: "form-error", role: "alert", hidden: true, dataset: { error: "" } });
}

// ---------------------------------------------------------------- toasts

export function toast(kind, title, body) {
  const box = $("#toasts");
  if (!box) return;
  const icon = { warning: "⚠", error: "✕", info: "✓" }[kind] || "•";
  const close = h("button", { class: "toast-close", type: "button", "aria-label": "关闭 Close" }, "×");
  const el = h(
    "div",
    { class: `toast toast--${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "toast-icon", "aria-hidden": "true" }, icon),
    h("div", {}, h("div", { class: "toast-title" }, title), h("div", { class: "toast-body" }, body)),
    close,
  );
  close.addEventListener("click", () => el.remove());
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => el.remove(), TOAST_MS);
}

// ---------------------------------------------------------------- dialogs

/**
 * A modal form. `build(form)` adds the fields; `submit(form)` sends it and may throw an
 * ApiError, shown in the dialog, which stays open. Resolves with submit's result, or null.
 */
export function dialog({ title, build, submit, submitLabel = ["确定", "OK"], danger = false, name }) {
  return new Promise((resolve) => {
    const error = errorLine();
    const form = h("form", { class: "dialog-body", novalidate: true });
    build(form);
    const ok = h(
      "button",
      { type: "submit", class: `button ${danger ? "button--danger" : "button--primary"}`, dataset: { role: "submit" } },
      ...bi(...submitLabel),
    );
    const cancel = button(["取消", "Cancel"], () => close(null), { class: "button--ghost" });
    const box = h(
      "dialog",
      { class: "dialog", "aria-label": title.join(" "), dataset: { dialog: name || "" } },
      h("h2", { class: "dialog-title" }, ...bi(...title)),
      form,
    );
    form.append(error, h("div", { class: "dialog-actions" }, cancel, ok));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearError(error);
      try {
        const result = await busy(ok, () => submit(form));
        close(result === undefined ? true : result);
      } catch (err) {
        if (err && err.status !== undefined) showError(err, error);
        else {
          error.textContent = String(err && err.message ? err.message : err);
          error.hidden = false;
        }
      }
    });
    box.addEventListener("cancel", (e) => {
      e.preventDefault();
      close(null);
    });
    function close(value) {
      box.close();
      box.remove();
      resolve(value);
    }
    document.body.append(box);
    box.showModal();
    const first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
}

/** Yes or no, with the consequence spelled out. */
export function confirm({ title, body, submitLabel, danger = true, name, submit }) {
  return dialog({
    title,
    name,
    danger,
    submitLabel,
    build: (form) => form.append(h("p", { class: "dialog-text" }, body)),
    submit: submit || (async () => true),
  });
}

/** Read a form's named controls as an object of strings (checkboxes as booleans). */
export function formValues(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") values[el.name] = el.checked;
    else values[el.name] = el.value.trim();
  }
  return values;
}

// ---------------------------------------------------------------- drawer

/**
 * The side drawer (an order, a SKU, ...). One at a time. Closing it calls
 * onClose({byUser}): byUser when staff closed it (the route usually goes back to the
 * list), not when the screen or another drawer replaced it.
 */
export function openDrawer({ label, onClose }) {
  closeDrawer({ silent: true });
  const body = h("div", { class: "drawer-body" });
  const closeButton = h("button", { class: "drawer-close", type: "button", "aria-label": "关闭 Close", dataset: { role: "close-drawer" } }, "×");
  const panel = h("aside", { class: "drawer", role: "dialog", "aria-label": label, id: "drawer" }, closeButton, body);
  const scrim = h("div", { class: "scrim", id: "drawer-scrim" });
  const close = ({ silent = false } = {}) => {
    if (!panel.isConnected) return;
    panel.remove();
    scrim.remove();
    document.removeEventListener("keydown", onKey);
    if (onClose) onClose({ byUser: !silent });
  };
  const onKey = (e) => {
    if (e.key === "Escape" && !document.querySelector("dialog[open]")) close();
  };
  closeButton.addEventListener("click", () => close());
  scrim.addEventListener("click", () => close());
  document.addEventListener("keydown", onKey);
  document.body.append(scrim, panel);
  panel._close = close;
  return { panel, body, close };
}

/** Close whatever drawer is open; silent: not by staff (the screen is going). */
export function closeDrawer({ silent = false } = {}) {
  const panel = $("#drawer");
  if (panel && panel._close) panel._close({ silent });
}

// ---------------------------------------------------------------- small pieces

/** Prev / next with "page P of N". */
export function pager({ page, pageSize, total, onPage }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h(
    "div",
    { class: "pager" },
    h("button", { class: "button button--small button--ghost", type: "button", disabled: page <= 1, onclick: () => onPage(page - 1), dataset: { role: "prev" } }, "‹ ", h("small", {}, "上一页 Prev")),
    h("span", { class: "muted" }, `${page} / ${pages} · 共 ${total} 条 ${total} total`),
    h("button", { class: "button button--small button--ghost", type: "button", disabled: page >= pages, onclick: () => onPage(page + 1), dataset: { role: "next" } }, h("small", {}, "下一页 Next"), " ›"),
  );
}

export function empty(zh, en) {
  return h("p", { class: "empty" }, `${zh} · ${en}`);
}

/** A screen's header: title, a count, and actions on the right. */
export function screenHead([zh, en], ...actions) {
  return h("div", { class: "screen-head" }, h("h1", {}, ...bi(zh, en)), h("div", { class: "screen-actions" }, ...actions));
}

/** Fen from a "12.34" yuan input; NaN when it is not money. */
export function fenOf(text) {
  const value = String(text).trim();
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(value)) return Number.NaN;
  const [whole, part = ""] = value.split(".");
  return Number(whole) * 100 + Number(part.padEnd(2, "0"));
}

export function yuanInput(name, fen, attrs = {}) {
  const value = fen === undefined || fen === null || fen === "" ? "" : (Number(fen) / 100).toFixed(2);
  return h("input", { name, inputmode: "decimal", value, autocomplete: "off", ...attrs });
}

/** Debounce: one call after the calls stop for `ms`. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
