// The console's one live-event store: the socket (live.js), who listens to which event,
// which product channels are watched, and the recent-activity feed, which survives a
// reload by replaying the admin stream from the oldest event it showed.

import { LiveSocket, isAfter, justBefore } from "./live.js";

const STORAGE_KEY = "mall.admin.live";
const FEED_SIZE = 50;
// Product channels one console watches at most (the server allows 50 per socket).
const MAX_WATCHED = 40;

/** Events the activity feed shows (the others only update screens). */
export const FEED_EVENTS = new Set([
  "order.created",
  "order.paid",
  "order.shipped",
  "order.completed",
  "order.cancelled",
  "order.refund_requested",
  "order.refunded",
  "after_sale.requested",
  "after_sale.returned",
  "after_sale.refunded",
  "stock.low",
  "shipping_sync.failed",
  "admin.action",
]);

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null") || {};
  } catch {
    return {};
  }
}

export class LiveStore {
  constructor(session) {
    this.session = session;
    this.listeners = new Set(); // {pattern, fn}
    this.syncListeners = new Set();
    this.stateListeners = new Set();
    this.feedListeners = new Set();
    this.watched = new Map(); // channel -> count
    this.feed = []; // newest first
    this.state = "closed";
    this.socket = null;
    this.onUnauthorized = () => {};
  }

  start() {
    if (this.socket) return;
    const saved = load();
    // Everything up to `seen` was shown before the reload: replayed, it rebuilds the feed
    // (and brings the screens up to date), but it is not news.
    this.replayUntil = saved.seen || null;
    const positions = saved.from ? { admin: justBefore(saved.from) } : {};
    this.socket = new LiveSocket({
      session: this.session,
      positions,
      onEvent: (envelope) => this._event(envelope),
      onState: (state, detail) => {
        this.state = state;
        for (const fn of this.stateListeners) fn(state, detail);
      },
      onOpen: () => {
        if (!this.opened) {
          // A fresh page loads its data once the socket is there, whatever it replays.
          this.opened = true;
          this._sync("admin");
        }
      },
      onSync: (channel) => {
        if (channel === "admin" && !this.opened) return; // onOpen does it
        this._sync(channel);
      },
      onUnauthorized: () => this.onUnauthorized(),
    });
    for (const channel of this.watched.keys()) this.socket.watch(channel);
    this.socket.start();
  }

  /**
   * For an admin without the live feed's permission (orders.read: the server refuses its
   * socket): no socket, state "off", and the screens load their data once.
   */
  startWithoutFeed() {
    if (this.socket) return;
    this.state = "off";
    for (const fn of this.stateListeners) fn("off", {});
    this._sync("admin");
  }

  /** Stop and forget (signing out): nothing of this admin's view is kept. */
  stop({ forget = true } = {}) {
    if (this.socket) this.socket.stop();
    this.socket = null;
    this.opened = false;
    this.feed = [];
    if (forget) sessionStorage.removeItem(STORAGE_KEY);
  }

  /**
   * Call fn(envelope) for matching events: "order.paid", "order.*", or "*".
   * Returns the function that stops it.
   */
  on(pattern, fn) {
    const entry = { pattern, fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** fn(channel) when what a channel shows must be loaded afresh. */
  onSync(fn) {
    this.syncListeners.add(fn);
    return () => this.syncListeners.delete(fn);
  }

  onState(fn) {
    this.stateListeners.add(fn);
    fn(this.state, {});
    return () => this.stateListeners.delete(fn);
  }

  onFeed(fn) {
    this.feedListeners.add(fn);
    return () => this.feedListeners.delete(fn);
  }

  /** Receive product:<id> events while the returned function is not called. */
  watchProduct(productId) {
    const channel = `product:${productId}`;
    const count = this.watched.get(channel) || 0;
    if (!count && this.watched.size >= MAX_WATCHED) return () => {};
    this.watched.set(channel, count + 1);
    if (!count && this.socket) this.socket.watch(channel);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watched.get(channel) || 1) - 1;
      if (left > 0) this.watched.set(channel, left);
      else {
        this.watched.delete(channel);
        if (this.socket) this.socket.unwatch(channel);
      }
    };
  }

  _matches(pattern, name) {
    if (pattern === "*" || pattern === name) return true;
    return pattern.endsWith(".*") && name.startsWith(pattern.slice(0, -1));
  }

  _event(envelope) {
    if (envelope.channel === "admin") {
      envelope.replayed = Boolean(this.replayUntil && !isAfter(envelope.id, this.replayUntil));
      if (FEED_EVENTS.has(envelope.event)) this._addToFeed(envelope);
      this._remember(envelope.id);
    }
    for (const { pattern, fn } of [...this.listeners]) {
      if (!this._matches(pattern, envelope.event)) continue;
      try {
        fn(envelope);
      } catch (err) {
        console.error(err); // one screen's bug must not stop the others hearing
      }
    }
  }

  _addToFeed(envelope) {
    this.feed.unshift(envelope);
    if (this.feed.length > FEED_SIZE) this.feed.length = FEED_SIZE;
    for (const fn of this.feedListeners) fn(envelope);
  }

  _remember(lastId) {
    const oldest = this.feed.length ? this.feed[this.feed.length - 1].id : lastId;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ seen: lastId, from: oldest }));
  }

  _sync(channel) {
    for (const fn of this.syncListeners) fn(channel);
  }
}
