// Images of a product (or a banner's one image): drop files (or pick them), each is
// previewed at once, uploaded (POST /api/admin/uploads), and kept in an order staff
// change with the arrows; the first is the cover.

import { bi, h, showError, toast } from "../dom.js";
import { imageSrc } from "../format.js";

const ACCEPT = "image/jpeg,image/png,image/gif,image/webp";

function preview(file) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result); // a data: URL, which the page's CSP allows
    reader.onerror = () => resolve("");
    reader.readAsDataURL(file);
  });
}

export class ImageGallery {
  /**
   * images: what the product has ([url]); max: how many it may have; onChange(images)
   * after every change. `ref` (what is sent back) is the upload's path, or the URL.
   */
  constructor({ ctx, images = [], max = 20, onChange = () => {}, label = ["图片", "Images"] }) {
    this.ctx = ctx;
    this.max = max;
    this.onChange = onChange;
    this.items = images.map((url) => ({ ref: url, src: url, uploading: false }));
    this.pending = 0;
    this.list = h("ul", { class: "gallery", dataset: { role: "gallery" } });
    this.input = h("input", { type: "file", accept: ACCEPT, multiple: max > 1, dataset: { role: "file" } });
    this.input.addEventListener("change", () => {
      this.add([...this.input.files]);
      this.input.value = "";
    });
    const canUpload = ctx.can("uploads.write");
    this.zone = h(
      "div",
      { class: "dropzone", dataset: { role: "dropzone" } },
      canUpload
        ? [h("span", {}, "拖入图片，或 · Drop images here, or "), this.input, h("span", { class: "hint" }, "JPEG / PNG / GIF / WebP")]
        : h("span", {}, "没有上传权限 · You may not upload images (uploads.write)"),
    );
    if (canUpload) {
      this.zone.addEventListener("dragover", (e) => {
        e.preventDefault();
        this.zone.classList.add("is-over");
      });
      this.zone.addEventListener("dragleave", () => this.zone.classList.remove("is-over"));
      this.zone.addEventListener("drop", (e) => {
        e.preventDefault();
        this.zone.classList.remove("is-over");
        const files = [...((e.dataTransfer && e.dataTransfer.files) || [])];
        this.add(files);
      });
    }
    this.el = h("div", { class: "images" }, h("h3", { class: "sub-title" }, ...bi(...label)), this.list, this.zone);
    this.render();
  }

  /** The refs to send, in order (nothing still uploading). */
  get refs() {
    return this.items.filter((item) => !item.uploading && item.ref).map((item) => item.ref);
  }

  get busy() {
    return this.pending > 0;
  }

  async add(files) {
    const images = files.filter((file) => !file.type || ACCEPT.includes(file.type));
    if (images.length < files.length) toast("warning", "已跳过 · Skipped", "只能上传图片 · Images only");
    for (const file of images) {
      if (this.items.length >= this.max) {
        toast("warning", "图片已满 · Full", `最多 ${this.max} 张 · At most ${this.max} images`);
        break;
      }
      const item = { ref: "", src: "", uploading: true, name: file.name };
      this.items.push(item);
      this.pending += 1;
      this.render();
      preview(file).then((src) => {
        if (item.uploading) {
          item.src = src;
          this.render();
        }
      });
      this.ctx.api.uploads
        .image(file)
        .then((stored) => {
          item.ref = stored.path;
          item.src = stored.url;
          item.uploading = false;
        })
        .catch((err) => {
          this.items.splice(this.items.indexOf(item), 1);
          showError(err);
        })
        .finally(() => {
          this.pending -= 1;
          this.render();
          this.onChange(this.refs);
        });
    }
  }

  move(index, by) {
    const to = index + by;
    if (to < 0 || to >= this.items.length) return;
    const [item] = this.items.splice(index, 1);
    this.items.splice(to, 0, item);
    this.render();
    this.onChange(this.refs);
  }

  remove(index) {
    this.items.splice(index, 1);
    this.render();
    this.onChange(this.refs);
  }

  render() {
    this.list.replaceChildren(
      ...this.items.map((item, index) =>
        h(
          "li",
          { class: item.uploading ? "is-uploading" : "", dataset: { ref: item.ref, index } },
          index === 0 && this.max > 1 ? h("span", { class: "cover-tag" }, "封面 Cover") : null,
          h("img", { src: imageSrc(item.src) || "/admin/assets/icon.svg", alt: item.name || `图片 ${index + 1}` }),
          h(
            "div",
            { class: "img-tools" },
            h("button", { type: "button", title: "前移 Move left", "aria-label": "前移 Move left", disabled: index === 0, onclick: () => this.move(index, -1), dataset: { role: "left" } }, "←"),
            h("button", { type: "button", title: "删除 Remove", "aria-label": "删除 Remove", onclick: () => this.remove(index), dataset: { role: "remove" } }, "×"),
            h("button", { type: "button", title: "后移 Move right", "aria-label": "后移 Move right", disabled: index === this.items.length - 1, onclick: () => this.move(index, 1), dataset: { role: "right" } }, "→"),
          ),
        ),
      ),
    );
    this.zone.hidden = this.items.length >= this.max && this.max === 1;
  }
}
