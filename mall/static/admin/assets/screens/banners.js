// Banners: the list by position and order; create or edit one (its image dropped and
// uploaded like a product's), switch it on or off, delete it.

import { ImageGallery } from "../components/images.js";
import { thumb } from "../components/order-row.js";
import { bi, confirm, dialog, errorLine, field, h, screenHead, select, showError, toast } from "../dom.js";
import { fromLocalInput, fullTime, localInput } from "../format.js";

const LINK_TYPES = [
  ["none", "无链接 None"],
  ["product", "商品 Product id"],
  ["category", "分类 Category id"],
  ["page", "小程序页面 Page (/pages/…)"],
  ["url", "网址 URL (https://…)"],
];

function bannerBody(form, gallery, enabled) {
  return {
    title: form.elements.title.value.trim(),
    image: gallery.refs[0] || "",
    link_type: form.elements.link_type.value,
    link: form.elements.link.value.trim(),
    position: form.elements.position.value.trim() || "home",
    sort_order: Number(form.elements.sort_order.value) || 0,
    enabled,
    starts_at: fromLocalInput(form.elements.starts_at.value),
    ends_at: fromLocalInput(form.elements.ends_at.value),
  };
}

function bannerDialog(ctx, banner = {}) {
  let gallery;
  return dialog({
    name: "banner",
    title: banner.id ? ["编辑轮播图", "Edit banner"] : ["新建轮播图", "New banner"],
    build(form) {
      gallery = new ImageGallery({ ctx, images: banner.image ? [banner.image] : [], max: 1, label: ["图片", "Image"] });
      form.append(
        gallery.el,
        field(["标题", "Title"], h("input", { name: "title", maxlength: 64, value: banner.title || "" })),
        field(["链接类型", "Link type"], select("link_type", LINK_TYPES, banner.link_type || "none")),
        field(["链接", "Link"], h("input", { name: "link", maxlength: 512, value: banner.link || "" })),
        field(["位置", "Position"], h("input", { name: "position", maxlength: 32, pattern: "[a-z0-9_]+", value: banner.position || "home" })),
        field(["排序", "Sort order"], h("input", { name: "sort_order", type: "number", step: 1, value: banner.sort_order ?? 0 })),
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "enabled", checked: banner.enabled !== false }), ...bi("启用", "Enabled")),
        field(["开始（北京时间）", "Starts (Beijing time)"], h("input", { name: "starts_at", type: "datetime-local", value: localInput(banner.starts_at) })),
        field(["结束（北京时间）", "Ends (Beijing time)"], h("input", { name: "ends_at", type: "datetime-local", value: localInput(banner.ends_at) })),
      );
    },
    async submit(form) {
      if (gallery.busy) throw new Error("图片还在上传 · The image is still uploading");
      if (!gallery.refs.length) throw new Error("请上传图片 · Add an image");
      const body = bannerBody(form, gallery, form.elements.enabled.checked);
      return banner.id ? ctx.api.banners.update(banner.id, body) : ctx.api.banners.create(body);
    },
  });
}

export function mount(el, ctx) {
  const { api, store, can } = ctx;
  const writable = can("catalog.write");
  const error = errorLine();
  const tbody = h("tbody", { id: "banner-list" });
  const empty = h("p", { class: "empty", hidden: true }, "还没有轮播图 · No banners yet");
  const state = { alive: true };

  el.append(
    screenHead(["轮播图", "Banners"], writable ? h("button", { type: "button", class: "button button--primary", dataset: { action: "new-banner" }, onclick: () => edit({}) }, ...bi("新建轮播图", "New banner")) : null),
    h(
      "section",
      { class: "panel" },
      error,
      h(
        "div",
        { class: "table-wrap" },
        h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, ...bi("轮播图", "Banner")), h("th", {}, ...bi("位置", "Position")), h("th", {}, ...bi("链接", "Link")), h("th", {}, ...bi("时间", "Window")), h("th", {}, ...bi("状态", "State")), h("th", { class: "actions" }, ...bi("操作", "Actions")))), tbody),
        empty,
      ),
    ),
  );

  async function edit(banner) {
    const saved = await bannerDialog(ctx, banner);
    if (saved) {
      toast("info", "已保存 · Saved", saved.title || `#${saved.id}`);
      load();
    }
  }

  async function toggle(banner) {
    const body = { ...banner, image: banner.image, enabled: !banner.enabled };
    for (const key of ["id", "active", "created_at", "updated_at"]) delete body[key];
    try {
      await api.banners.update(banner.id, body);
      load();
    } catch (err) {
      showError(err, error);
    }
  }

  async function remove(banner) {
    if (await confirm({ name: "delete-banner", title: ["删除轮播图", "Delete banner"], body: `删除 · Delete "${banner.title || `#${banner.id}`}"?`, submitLabel: ["删除", "Delete"], submit: () => api.banners.remove(banner.id) })) load();
  }

  function row(banner) {
    return h(
      "tr",
      { dataset: { bannerId: banner.id, active: String(banner.active) } },
      h("td", {}, h("span", { class: "cell-title" }, thumb(banner.image), h("span", {}, banner.title || "—", h("span", { class: "sub" }, `#${banner.id}`)))),
      h("td", { "data-label": "位置" }, `${banner.position} · ${banner.sort_order}`),
      h("td", { "data-label": "链接" }, banner.link_type === "none" ? "—" : `${banner.link_type}: ${banner.link}`),
      h("td", { "data-label": "时间" }, [fullTime(banner.starts_at), fullTime(banner.ends_at)].filter(Boolean).join(" → ") || "一直 Always"),
      h("td", {}, h("span", { class: `tag ${banner.active ? "tag--on" : "tag--off"}` }, banner.active ? "展示中 Showing" : banner.enabled ? "未到时间 Scheduled" : "已停用 Off")),
      h(
        "td",
        { class: "actions" },
        writable ? h("button", { type: "button", class: "button button--small", dataset: { action: "toggle" }, onclick: () => toggle(banner) }, ...(banner.enabled ? bi("停用", "Switch off") : bi("启用", "Switch on"))) : null,
        writable ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "edit" }, onclick: () => edit(banner) }, ...bi("编辑", "Edit")) : null,
        writable ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "delete" }, onclick: () => remove(banner) }, ...bi("删除", "Delete")) : null,
      ),
    );
  }

  async function load() {
    try {
      const page = await api.banners.list({ page_size: 100 });
      if (!state.alive) return;
      tbody.replaceChildren(...page.items.map(row));
      empty.hidden = page.items.length > 0;
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const off = store.on("admin.action", (e) => !e.replayed && e.data && e.data.target_type === "banner" && load());
  load();
  return {
    unmount() {
      state.alive = false;
      off();
    },
  };
}
