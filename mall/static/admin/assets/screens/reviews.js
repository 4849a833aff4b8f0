// Reviews: the moderation queue (GET /api/admin/reviews?state=). Each review with its
// product, rating, text, pictures and customer; staff with reviews.write publish (approve)
// a held one, hide one, or reply under it. Another operator's decision shows at once (the
// admin.action every review.* change emits).

import { bi, dialog, empty, errorLine, field, h, pager, screenHead, select, showError, toast } from "../dom.js";
import { fullTime, imageSrc } from "../format.js";

const PAGE_SIZE = 20;

/** ReviewState of mall/reviews/schemas.py, bilingual, with the tag it wears. */
const STATES = {
  held: ["待审核", "Held", "tag--warn"],
  checking: ["检测中", "Checking", "tag--off"],
  published: ["已发布", "Published", "tag--on"],
  hidden: ["已隐藏", "Hidden", "tag--off"],
  rejected: ["已拒绝", "Rejected", "tag--warn"],
};

function stars(rating) {
  return h("span", { class: "stars", title: `${rating}/5`, dataset: { rating } }, "★".repeat(rating), h("span", { class: "stars-off" }, "★".repeat(5 - rating)));
}

function stateOf(query) {
  const wanted = query && query.get ? query.get("state") : null;
  return STATES[wanted] ? wanted : "";
}

export function mount(el, ctx, _params, query) {
  const { api, store, can } = ctx;
  const writable = can("reviews.write");
  const state = { page: 1, filter: { state: stateOf(query) }, alive: true };
  const error = errorLine();
  const tbody = h("tbody", { id: "review-list" });
  const foot = h("div");
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(["状态", "State"], select("state", [["", "全部 All"], ...Object.entries(STATES).map(([value, [zh, en]]) => [value, `${zh} ${en}`])], state.filter.state)),
    h("div", { class: "filter-buttons" }, h("button", { type: "submit", class: "button button--primary" }, ...bi("筛选", "Filter"))),
  );
  el.append(
    screenHead(["评价", "Reviews"]),
    h(
      "section",
      { class: "panel" },
      form,
      error,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data" },
          h("thead", {}, h("tr", {}, h("th", {}, ...bi("商品", "Product")), h("th", {}, ...bi("评价", "Review")), h("th", {}, ...bi("顾客", "Customer")), h("th", {}, ...bi("状态", "State")), h("th", { class: "actions" }, ...bi("操作", "Actions")))),
          tbody,
        ),
      ),
      foot,
    ),
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    state.filter = { state: form.elements.state.value };
    state.page = 1;
    load();
  });

  async function visible(review, show) {
    try {
      await api.reviews[show ? "show" : "hide"](review.id);
      toast("info", show ? "已发布 · Published" : "已隐藏 · Hidden", `#${review.id} · ${review.product_title}`);
    } catch (err) {
      showError(err, error);
    }
    load();
  }

  async function reply(review) {
    const done = await dialog({
      name: "reply-review",
      title: ["回复评价", "Reply to the review"],
      submitLabel: ["回复", "Reply"],
      build: (f) =>
        f.append(
          h("p", { class: "dialog-text" }, review.content || "—"),
          field(["回复内容", "Reply"], h("textarea", { name: "content", rows: 3, maxlength: 500, required: true, value: review.reply || "" }), { hint: "显示在评价下方 · shown under the review", wide: true }),
        ),
      submit: (f) => api.reviews.reply(review.id, f.elements.content.value.trim()),
    });
    if (done) {
      toast("info", "已回复 · Replied", `#${review.id}`);
      load();
    }
  }

  function pictures(review) {
    if (!review.images.length) return null;
    const verdicts = Object.fromEntries(review.media_checks.map((c) => [c.media_url, c.verdict]));
    return h(
      "ul",
      { class: "review-images", dataset: { role: "images" } },
      review.images.map((url) =>
        h("li", { dataset: { verdict: verdicts[url] || "" } }, h("a", { href: imageSrc(url), target: "_blank", rel: "noopener" }, h("img", { src: imageSrc(url), alt: "评价图片 Review picture", loading: "lazy" }))),
      ),
    );
  }

  function row(review) {
    const [zh, en, tag] = STATES[review.state] || [review.state, "", ""];
    return h(
      "tr",
      { dataset: { reviewId: review.id, state: review.state } },
      h(
        "td",
        { class: "cell-title" },
        h("a", { href: `#/products/${review.product_id}`, dataset: { role: "product" } }, review.product_title || `#${review.product_id}`),
        h("span", { class: "sub" }, `订单 Order #${review.order_id}`),
      ),
      h(
        "td",
        { class: "cell-review", "data-label": "评价" },
        stars(review.rating),
        h("p", { class: "review-text", dataset: { role: "content" } }, review.content || "—"),
        pictures(review),
        review.reply ? h("p", { class: "review-reply", dataset: { role: "reply" } }, h("strong", {}, "商家回复 Reply: "), review.reply, h("span", { class: "muted" }, ` · ${fullTime(review.replied_at)}`)) : null,
        h("span", { class: "sub muted" }, fullTime(review.created_at)),
      ),
      h("td", { "data-label": "顾客" }, h("span", { dataset: { role: "author" } }, review.author.nickname), h("span", { class: "sub muted" }, ` #${review.user_id}`)),
      h("td", {}, h("span", { class: `tag ${tag}`, dataset: { reviewState: review.state }, title: review.moderation_note || "" }, `${zh} ${en}`), review.moderation_note ? h("span", { class: "sub muted" }, review.moderation_note) : null),
      h(
        "td",
        { class: "actions" },
        writable && review.state !== "published" ? h("button", { type: "button", class: "button button--small button--primary", dataset: { action: "show-review" }, onclick: () => visible(review, true) }, ...(review.state === "hidden" ? bi("显示", "Show") : bi("通过", "Publish"))) : null,
        writable && review.state !== "hidden" ? h("button", { type: "button", class: "button button--small", dataset: { action: "hide-review" }, onclick: () => visible(review, false) }, ...bi("隐藏", "Hide")) : null,
        writable ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "reply-review" }, onclick: () => reply(review) }, ...bi("回复", "Reply")) : null,
      ),
    );
  }

  async function load() {
    const attempt = (state.loading = {});
    try {
      const page = await api.reviews.list({ page: state.page, page_size: PAGE_SIZE, ...state.filter });
      if (!state.alive || attempt !== state.loading) return;
      error.hidden = true;
      tbody.replaceChildren(...page.items.map(row));
      foot.replaceChildren(
        page.items.length ? "" : empty("没有评价", "No reviews"),
        page.total > PAGE_SIZE ? pager({ page: state.page, pageSize: PAGE_SIZE, total: page.total, onPage: (p) => ((state.page = p), load()) }) : "",
      );
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const offs = [
    store.on("admin.action", (e) => !e.replayed && e.data && e.data.target_type === "review" && load()),
    store.on("review.*", (e) => !e.replayed && load()),
    store.onSync((channel) => channel === "admin" && load()),
  ];
  load();
  return {
    update(_params, next) {
      const wanted = stateOf(next);
      if (wanted === state.filter.state) return;
      state.filter = { state: wanted };
      form.elements.state.value = wanted;
      state.page = 1;
      load();
    },
    unmount() {
      state.alive = false;
      for (const off of offs) off();
    },
  };
}
