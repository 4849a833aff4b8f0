// Staff: the admins (create, edit roles, switch off, reset a password, delete) and the
// roles with their permissions. Each part shows only with its read permission, and its
// buttons only with its write permission; superuser can be granted only by a superuser.

import { bi, confirm, dialog, errorLine, field, h, screenHead, showError, toast } from "../dom.js";
import { PERMISSIONS } from "../format.js";

// Staff may only grant rights they hold themselves (the server refuses the rest with 403):
// what this admin lacks is shown but cannot be ticked.
const NOT_YOURS = "你没有此权限，不能授予 · You do not hold it, so you cannot grant it";

function permissionChecks(all, chosen, can) {
  return h(
    "div",
    { class: "perm-grid", dataset: { role: "permissions" } },
    all.map((p) => {
      const [zh, en] = PERMISSIONS[p] || [p, ""];
      const mine = can(p);
      return h(
        "label",
        { class: "check", title: mine ? "" : NOT_YOURS },
        h("input", { type: "checkbox", name: "permission", value: p, checked: chosen.includes(p), disabled: !mine && !chosen.includes(p) }),
        `${zh} `,
        h("small", {}, `${en} · ${p}`),
      );
    }),
  );
}

function roleChecks(roles, chosen, can) {
  if (!roles.length) return h("p", { class: "muted" }, "看不到角色 · Roles are not visible to you");
  return h(
    "div",
    { class: "checks", dataset: { role: "roles" } },
    roles.map((r) => {
      const mine = r.permissions.every((p) => can(p));
      return h(
        "label",
        { class: "check", title: mine ? "" : NOT_YOURS },
        h("input", { type: "checkbox", name: "role", value: r.id, checked: chosen.includes(r.id), disabled: !mine && !chosen.includes(r.id) }),
        r.name,
      );
    }),
  );
}

const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

export function mount(el, ctx) {
  const { api, store, can, session } = ctx;
  const me = () => session.admin || {};
  const state = { roles: [], all: [], alive: true };
  const adminsError = errorLine();
  const rolesError = errorLine();
  const adminBody = h("tbody", { id: "admin-list" });
  const roleBody = h("tbody", { id: "role-list" });

  el.append(screenHead(["员工", "Staff"]));
  if (can("admins.read")) {
    el.append(
      h(
        "section",
        { class: "panel", dataset: { panel: "admins" } },
        h("div", { class: "panel-head" }, h("h2", {}, ...bi("员工账号", "Staff accounts")), can("admins.write") ? h("button", { type: "button", class: "button button--primary button--small", dataset: { action: "new-admin" }, onclick: () => editAdmin(null) }, ...bi("添加员工", "Add staff")) : null),
        adminsError,
        h("div", { class: "table-wrap" }, h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, ...bi("账号", "Account")), h("th", {}, ...bi("角色", "Roles")), h("th", {}, ...bi("状态", "State")), h("th", { class: "actions" }, ...bi("操作", "Actions")))), adminBody)),
      ),
    );
  }
  if (can("roles.read")) {
    el.append(
      h(
        "section",
        { class: "panel", dataset: { panel: "roles" } },
        h("div", { class: "panel-head" }, h("h2", {}, ...bi("角色与权限", "Roles and permissions")), can("roles.write") ? h("button", { type: "button", class: "button button--primary button--small", dataset: { action: "new-role" }, onclick: () => editRole(null) }, ...bi("新建角色", "New role")) : null),
        rolesError,
        h("div", { class: "table-wrap" }, h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, ...bi("角色", "Role")), h("th", {}, ...bi("权限", "Permissions")), h("th", { class: "actions" }, ...bi("操作", "Actions")))), roleBody)),
      ),
    );
  }

  // ------------------------------------------------------------ admins

  async function editAdmin(admin) {
    const saved = await dialog({
      name: "admin",
      title: admin ? ["编辑员工", `Edit ${admin.username}`] : ["添加员工", "Add staff"],
      build(form) {
        if (!admin) form.append(field(["用户名", "Username"], h("input", { name: "username", required: true, pattern: "[A-Za-z0-9_.-]{3,64}", autocomplete: "off" })));
        form.append(
          field(["显示名", "Display name"], h("input", { name: "display_name", maxlength: 64, value: admin ? admin.display_name : "" })),
          field(admin ? ["新密码（可空）", "New password (optional)"] : ["密码", "Password"], h("input", { name: "password", type: "password", minlength: 10, maxlength: 72, autocomplete: "new-password", required: !admin }), { hint: "至少 10 位 · at least 10 characters" }),
          h("div", { class: "field" }, h("span", {}, ...bi("角色", "Roles")), roleChecks(state.roles, admin ? admin.roles.map((r) => r.id) : [], can)),
        );
        if (me().is_superuser) form.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "is_superuser", checked: Boolean(admin && admin.is_superuser) }), ...bi("超级管理员（全部权限）", "Superuser (every permission)")));
        if (admin) form.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "is_active", checked: admin.is_active }), ...bi("启用", "Active")));
      },
      submit(form) {
        const body = { display_name: form.elements.display_name.value.trim() };
        const password = form.elements.password.value;
        if (password) body.password = password;
        if (state.roles.length) body.role_ids = checked(form, "role").map(Number);
        if (form.elements.is_superuser) body.is_superuser = form.elements.is_superuser.checked;
        if (!admin) return api.admins.create({ username: form.elements.username.value.trim(), ...body, role_ids: body.role_ids || [], is_superuser: Boolean(body.is_superuser) });
        body.is_active = form.elements.is_active.checked;
        return api.admins.update(admin.id, body);
      },
    });
    if (saved) {
      toast("info", "已保存 · Saved", saved.username);
      loadAdmins();
    }
  }

  async function removeAdmin(admin) {
    const ok = await confirm({
      name: "delete-admin",
      title: ["删除员工", "Remove staff"],
      body: `删除「${admin.username}」？其登录立即失效。 · Remove ${admin.username}? Their sign-in ends at once.`,
      submitLabel: ["删除", "Remove"],
      submit: () => api.admins.remove(admin.id),
    });
    if (ok) loadAdmins();
  }

  function adminRow(admin) {
    const self = admin.id === me().id;
    return h(
      "tr",
      { dataset: { adminId: admin.id, username: admin.username } },
      h("td", {}, admin.display_name || admin.username, h("span", { class: "sub muted" }, ` ${admin.username}${self ? " · 我 me" : ""}`)),
      h("td", { "data-label": "角色" }, admin.is_superuser ? h("span", { class: "tag tag--warn" }, "超级管理员 Superuser") : admin.roles.map((r) => h("span", { class: "tag" }, r.name)), " "),
      h("td", {}, h("span", { class: `tag ${admin.is_active ? "tag--on" : "tag--off"}` }, admin.is_active ? "启用 Active" : "停用 Off")),
      h(
        "td",
        { class: "actions" },
        can("admins.write") ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "edit" }, onclick: () => editAdmin(admin) }, ...bi("编辑", "Edit")) : null,
        can("admins.write") && !self ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "delete" }, onclick: () => removeAdmin(admin) }, ...bi("删除", "Remove")) : null,
      ),
    );
  }

  async function loadAdmins() {
    if (!can("admins.read")) return;
    try {
      const page = await api.admins.list({ page_size: 100 });
      if (state.alive) adminBody.replaceChildren(...page.items.map(adminRow));
    } catch (err) {
      if (state.alive) showError(err, adminsError);
    }
  }

  // ------------------------------------------------------------ roles

  async function editRole(role) {
    const saved = await dialog({
      name: "role",
      title: role ? ["编辑角色", `Edit ${role.name}`] : ["新建角色", "New role"],
      build(form) {
        form.append(
          field(["名称", "Name"], h("input", { name: "name", required: true, maxlength: 64, value: role ? role.name : "" })),
          field(["说明", "Description"], h("input", { name: "description", maxlength: 255, value: role ? role.description : "" })),
          h("div", { class: "field" }, h("span", {}, ...bi("权限", "Permissions")), permissionChecks(state.all, role ? role.permissions : [], can)),
        );
      },
      submit(form) {
        const body = { name: form.elements.name.value.trim(), description: form.elements.description.value.trim(), permissions: checked(form, "permission") };
        return role ? api.roles.update(role.id, body) : api.roles.create(body);
      },
    });
    if (saved) {
      toast("info", "已保存 · Saved", saved.name);
      loadRoles();
    }
  }

  async function removeRole(role) {
    const ok = await confirm({
      name: "delete-role",
      title: ["删除角色", "Delete role"],
      body: `删除「${role.name}」？有员工使用时不能删除。 · Delete ${role.name}? A role someone holds cannot be deleted.`,
      submitLabel: ["删除", "Delete"],
      submit: () => api.roles.remove(role.id),
    });
    if (ok) loadRoles();
  }

  function roleRow(role) {
    return h(
      "tr",
      { dataset: { roleId: role.id, name: role.name } },
      h("td", {}, role.name, h("span", { class: "sub muted" }, role.description ? ` · ${role.description}` : "")),
      h("td", { "data-label": "权限" }, role.permissions.map((p) => h("span", { class: "tag", title: p }, (PERMISSIONS[p] || [p])[0])), " "),
      h(
        "td",
        { class: "actions" },
        can("roles.write") ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "edit" }, onclick: () => editRole(role) }, ...bi("编辑", "Edit")) : null,
        can("roles.write") ? h("button", { type: "button", class: "button button--small button--ghost", dataset: { action: "delete" }, onclick: () => removeRole(role) }, ...bi("删除", "Delete")) : null,
      ),
    );
  }

  async function loadRoles() {
    if (!can("roles.read")) return;
    try {
      const list = await api.roles.list();
      if (!state.alive) return;
      state.roles = list.items;
      state.all = list.all_permissions;
      roleBody.replaceChildren(...list.items.map(roleRow));
    } catch (err) {
      if (state.alive) showError(err, rolesError);
    }
  }

  const off = store.on("admin.action", (e) => {
    const type = e.data && e.data.target_type;
    if (e.replayed) return;
    if (type === "admin") loadAdmins();
    if (type === "role") loadRoles().then(loadAdmins);
  });
  loadRoles().then(loadAdmins);
  return {
    unmount() {
      state.alive = false;
      off();
    },
  };
}
