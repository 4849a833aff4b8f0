// The category tree as select options ("服装", "— T恤"), for the product screens.

/** Depth-first [{id, name, depth, node}] of a tree from GET /api/admin/categories. */
export function flatten(tree, depth = 0, out = []) {
  for (const node of tree || []) {
    out.push({ id: node.id, name: node.name, depth, node });
    flatten(node.children, depth + 1, out);
  }
  return out;
}

export function categoryOptions(tree) {
  return flatten(tree).map(({ id, name, depth }) => [id, `${"— ".repeat(depth)}${name}`]);
}

/** id -> name, to show a product's category in a list. */
export function categoryNames(tree) {
  return new Map(flatten(tree).map(({ id, name }) => [id, name]));
}
