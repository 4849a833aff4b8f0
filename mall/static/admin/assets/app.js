// The operator console: sign-in, the shell (top bar, nav by permission, connection), and
// the router that mounts one screen at a time. Screens get one context: the session, the
// API client, the live-event store.

import { makeApi, Session } from "./api.js";
import { $, bi, closeDrawer, h, toast } from "./dom.js";
import { navigate, Router } from "./router.js";
import { mayOpen, SCREENS } from "./screens/index.js";
import { LiveStore } from "./store.js";

const session = new Session();
const api = makeApi(session);
const store = new LiveStore(session);
const ctx = {
  session,
  api,
  store,
  navigate,
  can: (permission) => session.can(permission),
};

const state = { router: null, screen: null, screenId: null, mounted: null, mounting: 0 };

// ---------------------------------------------------------------- sign-in

function showLogin(message) {
  $("#dashboard-view").hidden = true;
  $("#login-view").hidden = false;
  const error = $("#login-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("#login-password").value = "";
  ($("#login-username").value ? $("#login-password") : $("#login-username")).focus();
}

function loginMessage(err) {
  if (err.status === 401) return "用户名或密码错误 · Wrong username or password";
  if (err.status === 403) return "账号已停用 · This account is disabled";
  if (err.status === 429) return "尝试次数过多，请稍后再试 · Too many attempts, try again later";
  if (err.status === 422 || err.status === 400) return "请输入用户名和密码 · Enter username and password";
  if (err.status === 0) return "无法连接服务器 · Cannot reach the server";
  return `登录失败 · Sign-in failed (${err.message})`;
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = $("#login-username").value.trim();
  const password = $("#login-password").value;
  const submit = $("#login-submit");
  if (!username || !password) {
    showLogin("请输入用户名和密码 · Enter username and password");
    return;
  }
  submit.disabled = true;
  try {
    await session.login(username, password);
    await startConsole();
  } catch (err) {
    showLogin(loginMessage(err));
  } finally {
    submit.disabled = false;
  }
});

$("#logout").addEventListener("click", async () => {
  stopConsole();
  await session.logout();
  showLogin();
});

session.addEventListener("expired", () => {
  stopConsole();
  showLogin("登录已过期，请重新登录 · Your session expired, please sign in again");
});

store.onUnauthorized = () => session.dispatchEvent(new Event("expired"));

// This admin's roles (or a role it holds) changed: what it may see changes now, not at the
// next sign-in. The server enforces it either way.
store.on("admin.action", async (e) => {
  const data = e.data || {};
  const admin = session.admin;
  if (e.replayed || !admin || !state.router) return;
  const mine = data.target_type === "admin" && Number(data.target_id) === admin.id;
  const myRole = data.target_type === "role" && (admin.roles || []).some((r) => r.id === Number(data.target_id));
  if (!mine && !myRole) return;
  const before = JSON.stringify([admin.is_superuser, admin.permissions]);
  let after;
  try {
    after = await api.me();
  } catch {
    return; // signed out or removed: the session says so
  }
  renderWho();
  if (JSON.stringify([after.is_superuser, after.permissions]) === before) return;
  renderNav();
  state.screenId = null; // remount: buttons follow the new permissions
  state.router.resolve();
});

// ---------------------------------------------------------------- console

async function startConsole() {
  $("#login-view").hidden = true;
  $("#dashboard-view").hidden = false;
  renderWho();
  renderNav();
  store.start();
  state.router = new Router(
    SCREENS.flatMap((screen) => screen.routes.map((pattern) => ({ pattern, screen: screen.id }))),
    route,
  );
  state.router.start();
  // Permissions can have changed since this session signed in: ask the server.
  try {
    await api.me();
    renderWho();
    renderNav();
    if (state.screen && !mayOpen(state.screen, ctx.can)) state.router.resolve();
    else if (state.mounted && state.mounted.permissionsChanged) state.mounted.permissionsChanged();
  } catch (err) {
    if (err.status !== 401) toast("error", "无法读取权限 · Permissions not loaded", err.message);
  }
}

function stopConsole() {
  closeDrawer({ silent: true });
  if (state.router) state.router.stop();
  state.router = null;
  unmount();
  state.screenId = null;
  store.stop();
  $("#view").replaceChildren();
  $("#nav").replaceChildren();
  $("#admin-name").textContent = "";
}

function renderWho() {
  const admin = session.admin || {};
  $("#admin-name").textContent = admin.display_name || admin.username || "";
}

function renderNav() {
  const nav = $("#nav");
  nav.replaceChildren(
    ...SCREENS.filter((screen) => mayOpen(screen, ctx.can)).map((screen) =>
      h(
        "a",
        { href: `#${screen.routes[0]}`, class: "nav-link", dataset: { screen: screen.id } },
        h("span", { class: "nav-icon", "aria-hidden": "true" }, screen.icon),
        h("span", { class: "nav-text" }, ...bi(...screen.nav)),
      ),
    ),
  );
  markNav();
}

function markNav() {
  for (const link of document.querySelectorAll(".nav-link")) {
    if (link.dataset.screen === state.screenId) {
      link.setAttribute("aria-current", "page");
      // On a phone the nav is a strip that scrolls sideways: keep the current one in view.
      link.scrollIntoView({ block: "nearest", inline: "nearest" });
    } else link.removeAttribute("aria-current");
  }
}

function unmount() {
  if (state.mounted && state.mounted.unmount) {
    try {
      state.mounted.unmount();
    } catch (err) {
      console.error(err);
    }
  }
  state.mounted = null;
}

async function route(screenId, params, query) {
  const screen = SCREENS.find((s) => s.id === screenId);
  if (!screen) {
    navigate("/", undefined, { replace: true });
    return;
  }
  if (state.screenId === screenId && state.mounted && state.mounted.update) {
    state.mounted.update(params, query);
    return;
  }
  unmount();
  closeDrawer({ silent: true });
  state.screen = screen;
  state.screenId = screenId;
  markNav();
  const view = $("#view");
  view.dataset.screen = screenId;
  if (!mayOpen(screen, ctx.can)) {
    view.replaceChildren(
      h("div", { class: "denied", dataset: { denied: screenId } }, h("h1", {}, ...bi("没有权限", "Not allowed")),
        h("p", { class: "muted" }, `需要权限 Requires: ${[].concat(screen.permission).join(" / ")}`)),
    );
    return;
  }
  const attempt = ++state.mounting;
  view.replaceChildren(h("p", { class: "empty" }, "加载中… Loading"));
  let module;
  try {
    module = await screen.load();
  } catch (err) {
    view.replaceChildren(h("p", { class: "empty" }, `页面加载失败 · Screen did not load (${err.message})`));
    return;
  }
  if (attempt !== state.mounting) return; // another route won meanwhile
  view.replaceChildren();
  state.mounted = module.mount(view, ctx, params, query) || {};
}

// ---------------------------------------------------------------- connection

const CONNECTION_TEXT = {
  connecting: ["连接中", "Connecting…"],
  open: ["实时", "Live"],
  reconnecting: ["重连中", "Reconnecting…"],
  offline: ["离线", "Offline"],
  closed: ["未连接", "Disconnected"],
};

store.onState((connection, detail) => {
  const pill = $("#connection");
  pill.dataset.state = connection;
  let [zh, en] = CONNECTION_TEXT[connection] || [connection, ""];
  if (connection === "reconnecting" && detail.delayMs >= 1000) {
    const seconds = Math.round(detail.delayMs / 1000);
    en = `Retrying in ${seconds}s`;
    zh = `${seconds} 秒后重连`;
  }
  $("#connection-text").replaceChildren(...bi(zh, en));
  pill.title = connection === "open" ? "实时推送已连接 · Receiving live events" : "";
});

// ---------------------------------------------------------------- start

if (session.active) {
  session.resume();
  startConsole();
} else {
  showLogin();
}
