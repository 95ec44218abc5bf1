"""Consistency of the stored mptt tree with the parent links it is derived from."""

from collections import defaultdict

from .models import GridCell


def tree_errors() -> list[str]:
    """Recompute tree_id/lft/rght/depth from parent links and list every stored value that
    differs. Siblings are numbered in their stored order, so a sound tree yields nothing."""
    rows = list(
        GridCell.objects.order_by("tree_id", "lft").values(
            "pk", "parent_id", "tree_id", "lft", "rght", "depth", "code"
        )
    )
    by_pk = {row["pk"]: row for row in rows}
    children = defaultdict(list)
    roots = []
    errors = []
    for row in rows:
        if row["parent_id"] is None:
            roots.append(row)
        elif row["parent_id"] in by_pk:
            children[row["parent_id"]].append(row)
        else:
            errors.append(f"{row['code']}: parent {row['parent_id']} does not exist")

    seen = set()
    tree_ids = defaultdict(list)
    for root in roots:
        tree_ids[root["tree_id"]].append(root["code"])
        counter = 0
        # Iterative depth-first walk: (row, depth, entering?)
        stack = [(root, 0, True)]
        expected = {}
        while stack:
            row, depth, entering = stack.pop()
            if entering:
                if row["pk"] in seen:
                    errors.append(f"{row['code']}: reached twice (a cycle)")
                    continue
                seen.add(row["pk"])
                counter += 1
                expected[row["pk"]] = {"lft": counter, "depth": depth}
                stack.append((row, depth, False))
                for child in reversed(children[row["pk"]]):
                    stack.append((child, depth + 1, True))
            else:
                counter += 1
                expected[row["pk"]]["rght"] = counter
        for pk, want in expected.items():
            row = by_pk[pk]
            want["tree_id"] = root["tree_id"]
            for field, value in want.items():
                if row[field] != value:
                    errors.append(f"{row['code']}: {field} is {row[field]}, expected {value}")
    for tree_id, codes in tree_ids.items():
        if len(codes) > 1:
            errors.append(f"tree_id {tree_id} is shared by roots {', '.join(codes)}")
    for row in rows:
        if row["pk"] not in seen and row["parent_id"] in by_pk:
            errors.append(f"{row['code']}: not reachable from any root (a cycle)")
    return errors
