"""The layout is the architecture: stages import only earlier stages, shared types sit at the bottom,
Dagster stays a layer on top, and no module imports itself back through others."""

import ast
from pathlib import Path

from tests.conftest import PROJECT_ROOT

STAGES = ["ingest", "parse", "normalize", "validate", "publish", "aggregate", "report"]
"""In the order data flows; a stage may import an earlier one, never a later one."""
BOTTOM = {"pipeline.core", "pipeline.paths", "pipeline.sqlfiles", "pipeline.fingerprint", "pipeline.synthetic"}
"""Shared by every stage: they import no stage."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (at the top or inside a function)."""
    graph = {}
    for path in sorted([*(PROJECT_ROOT / "pipeline").rglob("*.py"), *(PROJECT_ROOT / "schemas").rglob("*.py")]):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[module_name(path)] = found
    return graph


def stage_of(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if parts[0] == "pipeline" and len(parts) > 1 and parts[1] in STAGES else None


def test_no_stage_imports_a_later_stage():
    upward = [
        (module, target)
        for module, targets in imports().items()
        for target in targets
        if stage_of(module) is not None and stage_of(target) is not None and stage_of(target) > stage_of(module)
    ]
    assert upward == []


def test_stages_schemas_and_shared_modules_import_no_dagster():
    graph = imports()
    lower = [
        module for module in graph if stage_of(module) is not None or module in BOTTOM or module.startswith("schemas")
    ]
    assert [(module, target) for module in lower for target in graph[module] if target.split(".")[0] == "dagster"] == []
    dagster_layer = {module for module, targets in graph.items() if any(t.split(".")[0] == "dagster" for t in targets)}
    assert [(module, target) for module in lower for target in graph[module] if target in dagster_layer] == []


def test_shared_modules_and_schemas_import_no_stage():
    graph = imports()
    assert [
        (module, target)
        for module in graph
        if module in BOTTOM or module.startswith("schemas")
        for target in graph[module]
        if stage_of(target) is not None
    ] == []


def test_project_modules_import_no_cycle():
    everything = imports()
    graph = {module: {target for target in targets if target in everything} for module, targets in everything.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target] if target in trail else [module, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_there_is_one_document_type_and_it_is_at_the_bottom():
    """The inventory, the loaded document and the parse result's source are one type, from pipeline.core."""
    import typing

    from pipeline.core import Document
    from pipeline.ingest import documents
    from pipeline.parse import source, workers

    assert typing.get_type_hints(documents.inventory)["return"] == list[Document]
    assert typing.get_type_hints(documents.load_document)["return"] is Document
    assert typing.get_type_hints(source.ParsedDocument)["source"] is Document
    assert typing.get_type_hints(workers.parse_file)["ref"] is Document
