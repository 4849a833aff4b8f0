// Categories: the tree (hidden ones too, with their product counts); add a root or a
// child, rename, move under another parent, reorder, hide, delete an empty one.

import { flatten } from "../components/category-options.js";
import { bi, confirm, dialog, errorLine, field, h, screenHead, select, showError, toast } from "../dom.js";

function categoryDialog(ctx, { title, name, values, tree, excluded = new Set() }) {
  return dialog({
    name,
    title,
    build(form) {
      const parents = [["", "（顶级 Top level）"], ...flatten(tree).filter((c) => !excluded.has(c.id)).map((c) => [c.id, `${"— ".repeat(c.depth)}${c.name}`])];
      form.append(
        field(["名称", "Name"], h("input", { name: "name", required: true, maxlength: 32, value: values.name || "" })),
        field(["上级分类", "Parent"], select("parent_id", parents, values.parent_id || "")),
        field(["排序", "Sort order"], h("input", { name: "sort_order", type: "number", step: 1, value: values.sort_order ?? 0 }), { hint: "小的在前 · smaller first" }),
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "visible", checked: values.visible !== false }), ...bi("在小程序显示", "Visible in the shop")),
      );
    },
    submit(form) {
      const body = {
        name: form.elements.name.value.trim(),
        parent_id: form.elements.parent_id.value ? Number(form.elements.parent_id.value) : null,
        sort_order: Number(form.elements.sort_order.value) || 0,
        visible: form.elements.visible.checked,
      };
      if (values.icon) body.icon = values.icon;
      return values.id ? ctx.api.categories.update(values.id, body) : ctx.api.categories.create(body);
    },
  });
}

/** A category and everything under it (it cannot move below itself). */
function subtree(node) {
  return new Set(flatten([node]).map((c) => c.id));
}

export function mount(el, ctx) {
  const { api, store, can } = ctx;
  const writable = can("catalog.write");
  const error = errorLine();
  const tree = h("ul", { class: "tree", id: "category-tree" });
  const state = { tree: [], alive: true };

  el.append(
    screenHead(
      ["分类", "Categories"],
      writable ? h("button", { type: "button", class: "button button--primary", dataset: { action: "add-category" }, onclick: () => add(null) }, ...bi("新建分类", "New category")) : null,
    ),
    h("section", { class: "panel" }, h("div", { class: "panel-body" }, error, tree)),
  );

  async function add(parent) {
    const created = await categoryDialog(ctx, { title: ["新建分类", "New category"], name: "category", values: { parent_id: parent ? parent.id : "" }, tree: state.tree });
    if (created) {
      toast("info", "已创建 · Created", created.name);
      load();
    }
  }

  async function edit(node) {
    const saved = await categoryDialog(ctx, { title: ["编辑分类", "Edit category"], name: "category", values: node, tree: state.tree, excluded: subtree(node) });
    if (saved) {
      toast("info", "已保存 · Saved", saved.name);
      load();
    }
  }

  async function remove(node) {
    const done = await confirm({
      name: "delete-category",
      title: ["删除分类", "Delete category"],
      body: `删除「${node.name}」？有商品或子分类时不能删除。 · Delete "${node.name}"? One with products or children cannot be deleted.`,
      submitLabel: ["删除", "Delete"],
      submit: () => api.categories.remove(node.id),
    });
    if (done) load();
  }

  function nodeEl(node) {
    return h(
      "li",
      { dataset: { categoryId: node.id } },
      h(
        "div",
        { class: "node" },
        h("span", { class: "name" }, node.name),
        node.visible ? null : h("span", { class: "tag tag--off" }, "隐藏 Hidden"),
        h("span", { class: "muted" }, `${node.product_count} 件商品 products · 排序 ${node.sort_order}`),
        writable
          ? h(
              "span",
              { class: "tools" },
              h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "add-child" }, onclick: () => add(node) }, ...bi("子分类", "Child")),
              h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "edit" }, onclick: () => edit(node) }, ...bi("编辑", "Edit")),
              h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "delete" }, onclick: () => remove(node) }, ...bi("删除", "Delete")),
            )
          : null,
      ),
      node.children && node.children.length ? h("ul", {}, node.children.map(nodeEl)) : null,
    );
  }

  async function load() {
    try {
      const result = await api.categories.tree();
      if (!state.alive) return;
      state.tree = result;
      tree.replaceChildren(...result.map(nodeEl));
      if (!result.length) tree.replaceChildren(h("li", { class: "empty" }, "还没有分类 · No categories yet"));
    } catch (err) {
      if (state.alive) showError(err, error);
    }
  }

  const offs = [
    store.on("admin.action", (e) => {
      if (!e.replayed && e.data && (e.data.target_type === "category" || e.data.target_type === "product")) load();
    }),
  ];
  load();
  return {
    unmount() {
      state.alive = false;
      for (const off of offs) off();
    },
  };
}
