// Hash routes ("#/orders/12"): each route names a screen and its parameters. A screen
// stays mounted while only its parameters change (the order drawer over the order list).

/** "/orders/:id" -> a matcher giving {id: "12"} for "/orders/12", null otherwise. */
function compile(pattern) {
  const names = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return null;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
  };
}

export class Router {
  /** routes: [{pattern, screen}], screen ids; onRoute(screenId, params, query). */
  constructor(routes, onRoute) {
    this.routes = routes.map((route) => ({ ...route, match: compile(route.pattern) }));
    this.onRoute = onRoute;
    this._listener = () => this.resolve();
  }

  start() {
    window.addEventListener("hashchange", this._listener);
    this.resolve();
  }

  stop() {
    window.removeEventListener("hashchange", this._listener);
  }

  /** The current hash as {path, query}. */
  current() {
    const raw = location.hash.replace(/^#/, "") || "/";
    const [path, search = ""] = raw.split("?");
    return { path: path || "/", query: new URLSearchParams(search) };
  }

  resolve() {
    const { path, query } = this.current();
    for (const route of this.routes) {
      const params = route.match(path);
      if (params) return this.onRoute(route.screen, params, query, path);
    }
    return this.onRoute(null, {}, query, path);
  }
}

/** Go to a route: navigate("/orders/12") or with a query object. */
export function navigate(path, query, { replace = false } = {}) {
  let hash = `#${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const text = params.toString();
    if (text) hash += `?${text}`;
  }
  if (location.hash === hash) return;
  if (replace) history.replaceState(null, "", hash);
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}
