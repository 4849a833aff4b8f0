// The console's connection to /ws/admin: the admin channel plus any product channels a
// screen watches; resume every channel after each reconnect, backoff with jitter,
// application pings to notice a dead connection, token refresh on close 4401.

const HOME = "admin";
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const STABLE_AFTER_MS = 10_000;
// Close codes of the server (API.md, Websockets).
const CLOSE_AUTH = 4401;
// A resume replays at most this many events; more were missed: load everything afresh.
const REPLAY_LIMIT = 1000;
const MAX_REPLAY_PAGES = 5;

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

/** The largest stream id before `id`: resuming after it replays `id` itself. */
export function justBefore(id) {
  const [ms, seq] = String(id).split("-");
  if (BigInt(seq || 0) > 0n) return `${ms}-${BigInt(seq) - 1n}`;
  return `${BigInt(ms) - 1n}-18446744073709551615`;
}

/**
 * Events of the admin channel and of watched channels, each delivered once and in order
 * per channel across reconnects.
 *
 * Callbacks: onEvent(envelope); onState(state, detail) with state one of "connecting",
 * "open", "reconnecting" (detail.delayMs), "offline", "closed"; onOpen() at each welcome;
 * onSync(channel) when a channel opened without a known position or missed too much, so
 * what shows it must load afresh; onUnauthorized() when the session could not be refreshed.
 * `positions` gives a starting position per channel (the store keeps them over a reload).
 */
export class LiveSocket {
  constructor({ session, positions = {}, onEvent, onState, onOpen, onSync, onUnauthorized }) {
    this.session = session;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onOpen = onOpen || (() => {});
    this.onSync = onSync;
    this.onUnauthorized = onUnauthorized;
    // channel -> {lastId, held}; held collects events while that channel's resume runs,
    // since a live one can overtake the replay.
    this.channels = new Map([[HOME, { lastId: positions[HOME] || null, held: null }]]);
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

  get lastId() {
    return this.channels.get(HOME).lastId;
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

  /** Receive a channel's events too (product:12); from now, and across reconnects. */
  watch(channel) {
    if (this.channels.has(channel)) return;
    this.channels.set(channel, { lastId: null, held: null });
    if (this._isOpen()) this._join(channel);
  }

  unwatch(channel) {
    if (channel === HOME || !this.channels.delete(channel)) return;
    this._send({ op: "unsubscribe", channel });
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
    const channel = this.channels.get(message.channel);
    switch (message.type) {
      case "welcome":
        this._opened();
        break;
      case "event":
        if (!channel) return; // unwatched meanwhile
        if (channel.held) channel.held.push(message);
        else this._deliver(message.channel, channel, message);
        break;
      case "resumed":
        if (!channel) return;
        this._flushHeld(message.channel, channel);
        if (message.replayed >= REPLAY_LIMIT) {
          // More was missed than one resume replays: read on a few pages, then give up
          // and have the screens load afresh.
          channel.pages = (channel.pages || 0) + 1;
          if (channel.pages < MAX_REPLAY_PAGES) {
            channel.held = [];
            this._send({ op: "resume", channel: message.channel, after: channel.lastId });
          } else {
            channel.pages = 0;
            this.onSync(message.channel);
          }
        } else {
          channel.pages = 0;
        }
        break;
      case "error":
        if (!channel) return;
        if (message.code === "invalid_after" || message.code === "resume_too_old") {
          channel.lastId = null;
          this._flushHeld(message.channel, channel);
          this.onSync(message.channel);
        } else if (message.channel !== HOME) {
          // forbidden or too many subscriptions: this channel will not come
          this.channels.delete(message.channel);
        }
        break;
      default:
        break; // pong, subscribed, and anything newer
    }
  }

  _deliver(name, channel, message) {
    if (!isAfter(message.id, channel.lastId)) return; // seen already
    channel.lastId = message.id;
    this.onEvent(message);
  }

  _flushHeld(name, channel) {
    const held = channel.held || [];
    channel.held = null;
    held.sort((a, b) => (isAfter(a.id, b.id) ? 1 : isAfter(b.id, a.id) ? -1 : 0));
    for (const message of held) this._deliver(name, channel, message);
  }

  _join(name) {
    const channel = this.channels.get(name);
    if (channel.lastId) {
      channel.held = [];
      this._send({ op: "resume", channel: name, after: channel.lastId });
    } else {
      if (name !== HOME) this._send({ op: "subscribe", channel: name });
      this.onSync(name);
    }
  }

  _opened() {
    this._welcomed = true;
    this._state("open");
    // Reset the backoff only once a connection has proved itself.
    this._stableTimer = setTimeout(() => (this.attempt = 0), STABLE_AFTER_MS);
    this.onOpen();
    for (const name of this.channels.keys()) this._join(name);
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
    this._welcomed = false;
    for (const channel of this.channels.values()) channel.held = null; // resumed again
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

  _isOpen() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN && this._welcomed);
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
