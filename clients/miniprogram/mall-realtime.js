/**
 * mall-realtime.js: live events from a mall backend, for WeChat mini-programs.
 *
 * One file, no dependencies. In a mini-program: `const { MallRealtime } =
 * require("./mall-realtime")`. In a browser without a bundler it defines
 * `window.MallRealtime` (the same object), so it can be tried against a real server.
 *
 * What it does for you (the protocol: the README's API section; events: docs/EVENTS.md):
 * - connects to `/ws?token=<access token>` (or `/ws/admin`) with `wx.connectSocket`;
 * - remembers the last event id of every channel (persisted with `wx.setStorageSync`) and,
 *   after any reconnect, sends `{"op": "resume", "channel", "after"}` for each channel, so
 *   every event arrives exactly once and in order, even across app restarts;
 * - reconnects with exponential backoff and jitter after a drop;
 * - on close code 4401 (token expired, revoked, logged out) calls your token refresher,
 *   then reconnects with the new token;
 * - re-subscribes the product channels you asked for;
 * - sends `{"op": "ping"}` every 25 s and treats a silent connection as dead (the
 *   server's protocol-level pings are answered by the platform itself).
 *
 * Written in ES2015 without async/await so that every base library version can run it.
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === "object" && module && module.exports) module.exports = api;
  else root.MallRealtime = api;
})(
  typeof globalThis !== "undefined" ? globalThis : typeof self !== "undefined" ? self : this,
  function () {
    "use strict";

    /** Close codes the server uses (the README's API section). */
    var CLOSE_NORMAL = 1000;
    var CLOSE_AUTH = 4401;
    var CLOSE_PING_TIMEOUT = 4000;
    /** A resume replays at most this many events; `gap` is emitted when that was not all. */
    var REPLAY_LIMIT = 1000;
    /** A connection that stayed up this long resets the backoff. */
    var STABLE_AFTER_MS = 10000;
    /** Handshakes refused in a row before the token is suspected and refreshed. */
    var FAILED_HANDSHAKES_BEFORE_REFRESH = 3;

    /**
     * A socket as this module uses it; adapters turn a platform's socket into one.
     * @typedef {Object} SocketLike
     * @property {function(string): void} send
     * @property {function(number=, string=): void} close
     * @property {function(function(): void): void} onOpen
     * @property {function(function(string): void): void} onMessage  text of each message
     * @property {function(function({code: number, reason: string}): void): void} onClose
     * @property {function(function(*): void): void} onError
     */

    /**
     * Opens a socket to a URL.
     * @typedef {function(string): SocketLike} SocketFactory
     */

    /**
     * Somewhere to keep the last event ids between runs of the app.
     * @typedef {Object} Storage
     * @property {function(string): *} get
     * @property {function(string, *): void} set
     */

    /**
     * Sockets from `wx.connectSocket` (mini-program base library 1.7+).
     * @param {Object} wxApi  the `wx` object
     * @returns {SocketFactory}
     */
    function wxSocket(wxApi) {
      return function (url) {
        var closeHandler = null;
        var failed = null;
        var task = wxApi.connectSocket({
          url: url,
          // Creating the task can fail outright (e.g. a domain not in the allow-list).
          fail: function (res) {
            failed = { code: 1006, reason: (res && res.errMsg) || "connectSocket failed" };
            if (closeHandler) closeHandler(failed);
          },
        });
        return {
          send: function (text) {
            task.send({ data: text });
          },
          close: function (code, reason) {
            task.close({ code: code || CLOSE_NORMAL, reason: reason || "" });
          },
          onOpen: function (fn) {
            task.onOpen(function () {
              fn();
            });
          },
          onMessage: function (fn) {
            task.onMessage(function (res) {
              fn(typeof res.data === "string" ? res.data : String(res.data));
            });
          },
          onClose: function (fn) {
            closeHandler = fn;
            if (failed) fn(failed);
            task.onClose(function (res) {
              fn({ code: (res && res.code) || 1006, reason: (res && res.reason) || "" });
            });
          },
          onError: function (fn) {
            task.onError(fn);
          },
        };
      };
    }

    /**
     * Sockets from a WHATWG `WebSocket` class (browsers, Node 22+, the `ws` package).
     * @param {Function} WebSocketClass
     * @returns {SocketFactory}
     */
    function webSocketAdapter(WebSocketClass) {
      return function (url) {
        var ws = new WebSocketClass(url);
        return {
          send: function (text) {
            ws.send(text);
          },
          close: function (code, reason) {
            ws.close(code || CLOSE_NORMAL, reason || "");
          },
          onOpen: function (fn) {
            ws.onopen = function () {
              fn();
            };
          },
          onMessage: function (fn) {
            ws.onmessage = function (event) {
              fn(typeof event.data === "string" ? event.data : String(event.data));
            };
          },
          onClose: function (fn) {
            ws.onclose = function (event) {
              fn({ code: event.code, reason: event.reason || "" });
            };
          },
          onError: function (fn) {
            ws.onerror = fn;
          },
        };
      };
    }

    /**
     * Storage backed by `wx.getStorageSync` / `wx.setStorageSync`.
     * @param {Object} wxApi  the `wx` object
     * @returns {Storage}
     */
    function wxStorage(wxApi) {
      return {
        get: function (key) {
          try {
            return wxApi.getStorageSync(key) || null;
          } catch (e) {
            return null;
          }
        },
        set: function (key, value) {
          try {
            wxApi.setStorageSync(key, value);
          } catch (e) {
            // Storage full or unavailable: the ids stay in memory for this run.
          }
        },
      };
    }

    function streamKey(id) {
      var parts = String(id).split("-");
      return [Number(parts[0]), Number(parts[1] || 0)];
    }

    /**
     * Whether event id `a` comes after `b` ("<ms>-<seq>" stream ids; no `b` means yes).
     * @param {string} a
     * @param {string=} b
     * @returns {boolean}
     */
    function isAfter(a, b) {
      if (!b) return true;
      var x = streamKey(a);
      var y = streamKey(b);
      return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
    }

    function rethrowLater(err) {
      setTimeout(function () {
        throw err;
      }, 0);
    }

    function withToken(url, token) {
      return url + (url.indexOf("?") === -1 ? "?" : "&") + "token=" + encodeURIComponent(token);
    }

    function defaultSocket() {
      if (typeof wx !== "undefined" && wx.connectSocket) return wxSocket(wx);
      if (typeof WebSocket !== "undefined") return webSocketAdapter(WebSocket);
      throw new Error("mall-realtime: no socket; pass options.socket");
    }

    function defaultStorage() {
      if (typeof wx !== "undefined" && wx.setStorageSync) return wxStorage(wx);
      return null;
    }

    /**
     * A live connection to the mall's websocket that survives drops without losing events.
     *
     * States (the `state` event and `.state`): "idle", "connecting", "open",
     * "refreshing" (getting a new token), "reconnecting" (waiting; detail.delayMs),
     * "unauthorized" (the refresher gave up: sign in, then call `connect()`), "closed".
     *
     * Events for `on(name, handler)`:
     * - an event name of docs/EVENTS.md ("order.paid", "stock.changed", ...): handler(data, envelope)
     *   where envelope is `{type: "event", channel, id, event, data, at}`;
     * - "*": every such event, handler(data, envelope);
     * - "welcome" (message), "state" (state, detail), "subscribed" / "unsubscribed"
     *   ({channel}), "resumed" ({channel, replayed}),
     *   "gap" ({channel}: more was missed than a resume replays; reload from the REST API),
     *   "close" ({code, reason}), "error" (a server error message or an Error).
     *
     * @example
     * const rt = new MallRealtime({
     *   url: "wss://shop.example.com/ws",
     *   getToken: () => getApp().globalData.accessToken,
     *   refreshToken: () => getApp().refreshTokens(),  // resolves with the new access token
     * });
     * rt.on("order.paid", (data) => this.setData({ status: data.status }));
     * rt.subscribe("product:12");
     */
    class MallRealtime {
      /**
       * @param {Object} options
       * @param {string} options.url  "wss://host/ws" (mini-program) or "wss://host/ws/admin"
       * @param {function(): (string|Promise<string>)} options.getToken  the current access token
       * @param {function(): Promise<(string|boolean|void)>=} options.refreshToken  called after
       *   close 4401 (and after repeated refused handshakes): get a new access token and
       *   resolve with it (or with nothing, then getToken is asked again). Resolve `false`
       *   to give up (state "unauthorized"); a rejection is retried with backoff.
       * @param {string[]=} options.channels  channels to subscribe besides your own
       *   (e.g. ["product:12"]); more with subscribe()
       * @param {SocketFactory=} options.socket  default: wx.connectSocket, else WebSocket
       * @param {(Storage|null)=} options.storage  default: wx storage when present, else memory
       * @param {string=} options.storageKey  default "mall-realtime:last-ids"
       * @param {{initialMs: number, maxMs: number, factor: number}=} options.backoff
       *   default {initialMs: 500, maxMs: 30000, factor: 2}; each wait is random within
       *   [ceiling/2, ceiling] so that clients dropped together do not return together
       * @param {number=} options.pingIntervalMs  default 25000
       * @param {number=} options.pongTimeoutMs  default 10000
       * @param {boolean=} options.autoConnect  default true
       */
      constructor(options) {
        if (!options || !options.url || typeof options.getToken !== "function") {
          throw new Error("mall-realtime: options.url and options.getToken are required");
        }
        this.url = options.url;
        this.getToken = options.getToken;
        this.refreshToken = options.refreshToken || null;
        this.socketFactory = options.socket || defaultSocket();
        this.storage = options.storage === undefined ? defaultStorage() : options.storage;
        this.storageKey = options.storageKey || "mall-realtime:last-ids";
        var backoff = options.backoff || {};
        this.backoff = {
          initialMs: backoff.initialMs || 500,
          maxMs: backoff.maxMs || 30000,
          factor: backoff.factor || 2,
        };
        this.pingIntervalMs = options.pingIntervalMs || 25000;
        this.pongTimeoutMs = options.pongTimeoutMs || 10000;

        /** @type {Object<string, string>} last event id seen per channel */
        this.lastIds = (this.storage && this.storage.get(this.storageKey)) || {};
        /** @type {string[]} channels the server joined us to (our own) */
        this.homeChannels = [];
        this.channels = new Set(options.channels || []);
        this.state = "idle";
        this._handlers = {};
        this._socket = null;
        this._freshToken = null;
        // The outbox ids delivered lately, per channel.
        this._outboxSeen = {};
        // Channels whose resume is under way: their events wait here until "resumed".
        this._resuming = {};
        this._attempt = 0;
        this._failedHandshakes = 0;
        this._timers = {};
        if (options.autoConnect !== false) this.connect();
      }

      /**
       * Listen to an event (see the class doc). Returns a function that stops listening.
       * @param {string} name
       * @param {Function} handler
       * @returns {function(): void}
       */
      on(name, handler) {
        (this._handlers[name] = this._handlers[name] || []).push(handler);
        var self = this;
        return function () {
          self.off(name, handler);
        };
      }

      /** Stop calling `handler` for `name`. */
      off(name, handler) {
        var list = this._handlers[name] || [];
        var at = list.indexOf(handler);
        if (at !== -1) list.splice(at, 1);
      }

      /**
       * Receive a channel's events, e.g. "product:12"; kept across reconnects.
       * @param {string} channel
       */
      subscribe(channel) {
        if (this.channels.has(channel)) return;
        this.channels.add(channel);
        if (this.state === "open") this._join(channel);
      }

      /**
       * Stop receiving a channel's events and forget its position.
       * @param {string} channel
       */
      unsubscribe(channel) {
        if (!this.channels.delete(channel)) return;
        delete this.lastIds[channel];
        this._persistSoon();
        if (this.state === "open") this._send({ op: "unsubscribe", channel: channel });
      }

      /** Connect (again): after construction with autoConnect false, or after "unauthorized". */
      connect() {
        var busy = ["connecting", "open", "refreshing"];
        if (this._socket || busy.indexOf(this.state) !== -1) return;
        this._clearTimer("retry");
        this._open();
      }

      /** Close for good: no reconnect. The positions stay stored for the next instance. */
      close() {
        this._setState("closed");
        this._clearAllTimers();
        this._persist();
        var socket = this._socket;
        this._socket = null;
        if (socket) socket.close(CLOSE_NORMAL, "client closed");
      }

      // ------------------------------------------------------------ internals

      _emit(name) {
        var args = Array.prototype.slice.call(arguments, 1);
        var list = (this._handlers[name] || []).slice();
        for (var i = 0; i < list.length; i++) {
          try {
            list[i].apply(null, args);
          } catch (err) {
            // A bug in a handler must not break the connection, nor go unseen.
            if (name !== "error" && (this._handlers.error || []).length) this._emit("error", err);
            else rethrowLater(err);
          }
        }
      }

      _setState(state, detail) {
        if (this.state === state && !detail) return;
        this.state = state;
        this._emit("state", state, detail || {});
      }

      _open() {
        var self = this;
        this._setState("connecting");
        // A token the refresher just handed back is used as is, whatever getToken says.
        var fresh = this._freshToken;
        this._freshToken = null;
        Promise.resolve()
          .then(function () {
            return fresh || self.getToken();
          })
          .then(function (token) {
            if (self.state !== "connecting") return;
            if (!token) return self._refresh();
            var socket = self.socketFactory(withToken(self.url, token));
            var opened = false;
            var ended = false;
            self._socket = socket;
            socket.onOpen(function () {
              opened = true;
            });
            socket.onMessage(function (text) {
              if (self._socket === socket) self._message(text);
            });
            socket.onError(function () {
              // A close follows; that is where it is handled.
            });
            socket.onClose(function (event) {
              if (ended) return;
              ended = true;
              if (self._socket !== socket) return;
              self._socket = null;
              self._closed(event, opened);
            });
          })
          .catch(function (err) {
            self._emit("error", err);
            self._retry();
          });
      }

      _message(text) {
        var message;
        try {
          message = JSON.parse(text);
        } catch (e) {
          return;
        }
        this._clearTimer("pong"); // anything at all shows the connection is alive
        switch (message.type) {
          case "welcome":
            this._welcome(message);
            break;
          case "event":
            this._event(message);
            break;
          case "resumed":
            this._flushResumed(message.channel);
            this._emit("resumed", { channel: message.channel, replayed: message.replayed });
            if (message.replayed >= REPLAY_LIMIT) this._emit("gap", { channel: message.channel });
            break;
          case "error":
            if ((message.code === "invalid_after" || message.code === "resume_too_old") && message.channel) {
              // The stored position is unusable (or the server no longer keeps what came
              // after it): start the channel afresh and tell the page to reload its data.
              delete this.lastIds[message.channel];
              this._send({ op: "subscribe", channel: message.channel });
              this._emit("gap", { channel: message.channel });
            }
            if (message.channel) this._flushResumed(message.channel);
            this._emit("error", message);
            break;
          case "subscribed":
          case "unsubscribed":
            this._emit(message.type, { channel: message.channel });
            break;
          default:
            break; // pong, and whatever a newer server adds
        }
      }

      _welcome(message) {
        var self = this;
        this.homeChannels = message.channels || [];
        this._failedHandshakes = 0;
        this._forgetOthers();
        this._setState("open");
        this._emit("welcome", message);
        this.homeChannels.forEach(function (channel) {
          if (self.lastIds[channel]) self._resume(channel);
        });
        this.channels.forEach(function (channel) {
          if (self.homeChannels.indexOf(channel) === -1) self._join(channel);
        });
        this._timers.ping = setInterval(function () {
          self._ping();
        }, this.pingIntervalMs);
        this._timers.stable = setTimeout(function () {
          self._attempt = 0;
        }, STABLE_AFTER_MS);
      }

      _join(channel) {
        if (this.lastIds[channel]) this._resume(channel);
        else this._send({ op: "subscribe", channel: channel });
      }

      _resume(channel) {
        this._resuming[channel] = [];
        this._send({ op: "resume", channel: channel, after: this.lastIds[channel] });
      }

      _event(message) {
        var channel = message.channel;
        if (this.homeChannels.indexOf(channel) === -1 && !this.channels.has(channel)) return;
        var held = this._resuming[channel];
        if (held) {
          // A live event can overtake the replay (it was sent before the server read our
          // resume): hold everything until the replay is complete, then sort.
          held.push(message);
          return;
        }
        this._deliver(message);
      }

      _flushResumed(channel) {
        var held = this._resuming[channel];
        if (!held) return;
        delete this._resuming[channel];
        held.sort(function (a, b) {
          return isAfter(a.id, b.id) ? 1 : isAfter(b.id, a.id) ? -1 : 0;
        });
        for (var i = 0; i < held.length; i++) this._deliver(held[i]);
      }

      _deliver(message) {
        var channel = message.channel;
        if (!isAfter(message.id, this.lastIds[channel])) return; // seen already
        this.lastIds[channel] = message.id;
        // The same outbox event never twice, even under a new stream id (the server
        // already sees to it; this keeps a page safe whatever happens in between).
        if (message.outbox_id != null) {
          var seen = this._outboxSeen[channel] || (this._outboxSeen[channel] = []);
          if (seen.indexOf(message.outbox_id) >= 0) return;
          seen.push(message.outbox_id);
          if (seen.length > 256) seen.shift();
        }
        this._persistSoon();
        this._emit(message.event, message.data, message);
        this._emit("*", message.data, message);
      }

      _ping() {
        var self = this;
        this._send({ op: "ping" });
        if (this._timers.pong) return;
        this._timers.pong = setTimeout(function () {
          self._timers.pong = null;
          // Silent for too long: drop it without waiting for a close that may never come.
          var socket = self._socket;
          if (!socket) return;
          self._socket = null;
          try {
            socket.close(CLOSE_PING_TIMEOUT, "no pong");
          } catch (e) {
            // already closing
          }
          self._closed({ code: CLOSE_PING_TIMEOUT, reason: "no pong" }, true);
        }, this.pongTimeoutMs);
      }

      _closed(event, opened) {
        // Held events are not lost: the positions did not move, the next resume sends them.
        this._resuming = {};
        this._clearTimer("ping");
        this._clearTimer("pong");
        this._clearTimer("stable");
        this._persist();
        this._emit("close", event);
        if (this.state === "closed") return;
        if (!opened) this._failedHandshakes += 1;
        var suspectToken =
          event.code === CLOSE_AUTH ||
          (this._failedHandshakes >= FAILED_HANDSHAKES_BEFORE_REFRESH && this.refreshToken);
        if (suspectToken) {
          this._failedHandshakes = 0;
          this._refresh();
          return;
        }
        this._retry();
      }

      _refresh() {
        var self = this;
        if (!this.refreshToken) {
          this._setState("unauthorized");
          return;
        }
        this._setState("refreshing");
        Promise.resolve()
          .then(function () {
            return self.refreshToken();
          })
          .then(function (result) {
            if (self.state !== "refreshing") return;
            if (result === false) {
              self._setState("unauthorized");
              return;
            }
            if (typeof result === "string" && result) self._freshToken = result;
            self._open();
          })
          .catch(function (err) {
            if (self.state !== "refreshing") return;
            self._emit("error", err);
            self._retry();
          });
      }

      _retry() {
        var self = this;
        if (this.state === "closed" || this.state === "unauthorized") return;
        var b = this.backoff;
        var ceiling = Math.min(b.maxMs, b.initialMs * Math.pow(b.factor, this._attempt));
        var delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        this._attempt += 1;
        this._setState("reconnecting", { delayMs: delayMs, attempt: this._attempt });
        this._clearTimer("retry");
        this._timers.retry = setTimeout(function () {
          self._timers.retry = null;
          self._open();
        }, delayMs);
      }

      _send(body) {
        if (!this._socket) return;
        try {
          this._socket.send(JSON.stringify(body));
        } catch (err) {
          this._emit("error", err);
        }
      }

      /** Keep positions only for channels still in use, so storage does not grow. */
      _forgetOthers() {
        var keep = {};
        var self = this;
        Object.keys(this.lastIds).forEach(function (channel) {
          if (self.homeChannels.indexOf(channel) !== -1 || self.channels.has(channel)) {
            keep[channel] = self.lastIds[channel];
          }
        });
        this.lastIds = keep;
        this._persistSoon();
      }

      _persistSoon() {
        var self = this;
        if (!this.storage || this._timers.persist) return;
        this._timers.persist = setTimeout(function () {
          self._timers.persist = null;
          self._persist();
        }, 300);
      }

      _persist() {
        this._clearTimer("persist");
        if (this.storage) this.storage.set(this.storageKey, this.lastIds);
      }

      _clearTimer(name) {
        if (this._timers[name]) {
          clearTimeout(this._timers[name]);
          clearInterval(this._timers[name]);
          this._timers[name] = null;
        }
      }

      _clearAllTimers() {
        var self = this;
        Object.keys(this._timers).forEach(function (name) {
          self._clearTimer(name);
        });
      }
    }

    return {
      MallRealtime: MallRealtime,
      wxSocket: wxSocket,
      wxStorage: wxStorage,
      webSocketAdapter: webSocketAdapter,
      isAfter: isAfter,
    };
  },
);
