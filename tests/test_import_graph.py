"""The import graph (grimp): packages in layers, and no module importing itself round a circle.

Imports made only for type checking (``if TYPE_CHECKING:``) are left out: they never run.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("contract", "matching", "expectations", "pipelines", "sample_data")
# Each may import only those below it (and sample_data, apart, nothing of covgap).
LAYERS = ("pipelines", "expectations", "matching", "contract")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)


def test_packages_import_only_the_layers_below(graph: grimp.ImportGraph) -> None:
    assert graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers=set()) == set()
    for package in PACKAGES:
        if package != "sample_data":
            assert not graph.chain_exists(importer="sample_data", imported=package, as_packages=True), package


def test_no_package_imports_one_that_imports_it(graph: grimp.ImportGraph) -> None:
    for a in PACKAGES:
        for b in PACKAGES:
            if a < b and graph.chain_exists(a, b, as_packages=True):
                assert not graph.chain_exists(b, a, as_packages=True), f"{a} and {b} import each other"


def test_no_module_imports_itself_round_a_circle(graph: grimp.ImportGraph) -> None:
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                circles.append(graph.find_shortest_chain(importer=imported, imported=module))
    assert circles == [], f"import circles: {circles[:5]}"


def test_what_the_dag_file_imports_at_parse_time_stays_light(graph: grimp.ImportGraph) -> None:
    """The contract imports nothing else of covgap; the catalogue nothing but the contract. (The flow
    imports its stages inside each ``run``: tests/dags checks that parsing the DAG leaves pandas out.)"""
    assert graph.find_upstream_modules("contract", as_package=True) == set()
    assert {m.split(".")[0] for m in graph.find_upstream_modules("pipelines.catalogue")} <= {"contract"}
