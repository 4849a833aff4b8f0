// The dashboard's connection to /ws/admin: resume after every reconnect, backoff with
// jitter, application pings to notice a dead connection, token refresh on close 4401.

const CHANNEL = "admin";
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const STABLE_AFTER_MS = 10_000;
// Close codes of the server (API.md, Websockets).
const CLOSE_AUTH = 4401;
// A resume replays at most this many events; more were missed: load everything afresh.
const REPLAY_LIMIT = 1000;

function streamKey(id) {
  const [ms, seq] = String(id).split("-");
  return [Number(ms), Number(seq || 0)];
}

/** a > b for stream ids "ms-seq". */
export function isAfter(a, b) {
  if (!b) return true;
  const [am, as] = streamKey(a);
  const [bm, bs] = streamKey(b);
  return am > bm || (am === bm && as > bs);
}

/**
 * Events of the admin channel, delivered once each and in order across reconnects.
 *
 * Callbacks: onEvent(envelope) for each event; onState(state, detail) with state one of
 * "connecting", "open", "reconnecting" (detail.delayMs), "offline", "closed";
 * onSync() when the socket opened without a known position (first connect, or too much
 * missed), so the page must load its data afresh; onUnauthorized() when the session
 * could not be refreshed.
 */
export class LiveFeed {
  constructor({ session, onEvent, onState, onSync, onUnauthorized }) {
    this.session = session;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onSync = onSync;
    this.onUnauthorized = onUnauthorized;
    this.lastId = null;
    // While a resume is under way, events wait here: a live one can overtake the replay.
    this.held = null;
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    this._retryTimer = null;
    this._pingTimer = null;
    this._pongTimer = null;
    this._stableTimer = null;
    this._connecting = false;
    this._onOnline = () => this._backOnline();
    this._onOffline = () => this._state("offline");
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this._onOnline);
    window.addEventListener("offline", this._onOffline);
    this._connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this._onOnline);
    window.removeEventListener("offline", this._onOffline);
    this._clearTimers();
    clearTimeout(this._retryTimer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, "bye");
    }
    this._state("closed");
  }

  async _connect() {
    if (this.stopped || this.ws || this._connecting) return;
    this._connecting = true;
    this._state(this.attempt === 0 ? "connecting" : "reconnecting", { delayMs: 0 });
    let token;
    try {
      token = await this.session.freshToken();
    } catch (err) {
      this._connecting = false;
      if (err.status === 401 || err.status === 403) return this._unauthorized();
      return this._retry();
    }
    this._connecting = false;
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/ws/admin?token=${encodeURIComponent(token)}`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      return this._retry();
    }
    this.ws = ws;
    ws.addEventListener("message", (e) => ws === this.ws && this._message(e.data));
    ws.addEventListener("close", (e) => ws === this.ws && this._closed(e, token));
  }

  _message(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this._alive();
    switch (message.type) {
      case "welcome":
        this._opened();
        break;
      case "event":
        if (message.channel !== CHANNEL) return;
        if (this.held) this.held.push(message);
        else this._deliver(message);
        break;
      case "resumed":
        this._flushHeld();
        if (message.replayed >= REPLAY_LIMIT) this.onSync();
        break;
      case "error":
        if (message.code === "invalid_after") {
          this.lastId = null;
          this._flushHeld();
          this.onSync();
        }
        break;
      default:
        break; // pong and anything newer
    }
  }

  _deliver(message) {
    if (!isAfter(message.id, this.lastId)) return; // seen already
    this.lastId = message.id;
    this.onEvent(message);
  }

  _flushHeld() {
    const held = this.held || [];
    this.held = null;
    held.sort((a, b) => (isAfter(a.id, b.id) ? 1 : isAfter(b.id, a.id) ? -1 : 0));
    for (const message of held) this._deliver(message);
  }

  _opened() {
    this._state("open");
    // Reset the backoff only once a connection has proved itself.
    this._stableTimer = setTimeout(() => (this.attempt = 0), STABLE_AFTER_MS);
    if (this.lastId) {
      this.held = [];
      this._send({ op: "resume", channel: CHANNEL, after: this.lastId });
    } else {
      this.onSync();
    }
    this._pingTimer = setInterval(() => this._ping(), PING_EVERY_MS);
  }

  _ping() {
    this._send({ op: "ping" });
    clearTimeout(this._pongTimer);
    // No answer at all: the connection is dead even though the browser has not noticed.
    this._pongTimer = setTimeout(() => this.ws && this.ws.close(4000, "no pong"), PONG_WITHIN_MS);
  }

  _alive() {
    clearTimeout(this._pongTimer);
  }

  async _closed(event, usedToken) {
    this.ws = null;
    this.held = null; // the next resume sends them again
    this._clearTimers();
    if (this.stopped) return;
    if (event.code === CLOSE_AUTH) {
      // Expired or revoked: refresh unless a newer token is already there, then go again.
      try {
        if (this.session.accessToken === usedToken) await this.session.refresh();
      } catch (err) {
        if (err.status === 401 || err.status === 403) return this._unauthorized();
        return this._retry();
      }
      return this._connect();
    }
    this._retry();
  }

  _retry() {
    if (this.stopped) return;
    clearTimeout(this._retryTimer);
    if (!navigator.onLine) {
      // The "online" event brings us back; no point in spinning meanwhile.
      this._state("offline");
      this._retryTimer = setTimeout(() => this._connect(), BACKOFF_MAX_MS);
      return;
    }
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempt += 1;
    this._state("reconnecting", { delayMs });
    this._retryTimer = setTimeout(() => this._connect(), delayMs);
  }

  _backOnline() {
    if (this.stopped) return;
    if (this.ws) {
      // The browser may have kept the socket through the outage: check it is still alive.
      if (this.ws.readyState === WebSocket.OPEN) {
        this._state("open");
        this._ping();
      }
      return;
    }
    clearTimeout(this._retryTimer);
    this._connect();
  }

  _unauthorized() {
    this.stop();
    this.onUnauthorized();
  }

  _send(body) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(body));
  }

  _state(state, detail = {}) {
    this.state = state;
    this.onState(state, detail);
  }

  _clearTimers() {
    clearInterval(this._pingTimer);
    clearTimeout(this._pongTimer);
    clearTimeout(this._stableTimer);
  }
}
