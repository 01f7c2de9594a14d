"""The C++ layers point down only, and only the drivers touch endpoints and clocks.

The order of the modules is read from the layer figure in docs/architecture.md, so the figure and
the includes cannot drift apart. Standard library only: it reads files as text.
"""

from __future__ import annotations

import re

from conftest import REPO

MODULE_LINE = re.compile(r"^ {3}([a-z_]+)\s+\S")
INCLUDE = re.compile(r'^\s*#\s*include\s+"theta_net/([a-z_]+)/([a-z_0-9]+)\.hpp"', re.M)
CLOCKS = re.compile(r"\b(steady_clock|system_clock|high_resolution_clock|gettimeofday|clock_gettime)\b")
# Transport headers that mean sockets or a network: an endpoint, QUIC, SimNet, UDP.
ENDPOINT_HEADERS = {
    "endpoint",
    "endpoint_thread",
    "quic_client",
    "quic_server",
    "quic_config",
    "sim_net",
    "udp_relay",
}
# The session files that own endpoints and read clocks.
DRIVERS = {
    "server_driver",
    "client_driver",
    "driver_clock",
    "local_session",
    "local_network",
    "local_data_session",
}


def layer_order() -> list:
    """Module names top to bottom, from the figure under '## Layers' in docs/architecture.md."""
    text = (REPO / "docs" / "architecture.md").read_text()
    figure = text.split("## Layers", 1)[1].split("```", 2)[1]
    modules = [m.group(1) for line in figure.splitlines() if (m := MODULE_LINE.match(line))]
    assert modules, "no layer figure found in docs/architecture.md"
    return modules


def sources():
    for base in (REPO / "cpp" / "include" / "theta_net", REPO / "cpp" / "src"):
        for path in sorted(base.rglob("*")):
            if path.suffix in (".hpp", ".cpp", ".h"):
                yield path.relative_to(base).parts[0], path


def module_problems(order: list) -> list:
    rank = {name: i for i, name in enumerate(order)}
    problems = []
    for module, path in sources():
        rel = path.relative_to(REPO)
        if module not in rank:
            problems.append(f"{rel}: module {module} is not in the layer figure")
            continue
        stem = path.stem
        for included, header in INCLUDE.findall(path.read_text()):
            where = f"{rel} includes {included}/{header}.hpp"
            if included not in rank:
                problems.append(f"{where}: {included} is not in the layer figure")
            elif rank[included] < rank[module]:
                problems.append(f"{where}: {included} is above {module}")
            elif included == "session" and module != "session":
                problems.append(f"{where}: only the session layer may include session/")
            elif included == "transport" and header in ENDPOINT_HEADERS and module != "transport":
                if module != "session" or stem not in DRIVERS:
                    problems.append(f"{where}: only transport/ and the session drivers touch endpoints")
    return problems


def clock_problems() -> list:
    problems = []
    for module, path in sources():
        if module == "transport" or (module == "session" and path.stem in DRIVERS):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if m := CLOCKS.search(code):
                problems.append(f"{path.relative_to(REPO)}:{number}: reads {m.group(1)} (only drivers do)")
    return problems


def test_the_figure_names_every_module():
    order = layer_order()
    modules = {module for module, _ in sources()}
    assert modules <= set(order), f"modules missing from the figure: {sorted(modules - set(order))}"
    assert order[-1] == "core" and order[0] == "session"


def test_includes_point_down_and_only_drivers_touch_endpoints():
    assert module_problems(layer_order()) == []


def test_only_transport_and_the_drivers_read_a_clock():
    assert clock_problems() == []


def test_the_checks_catch_what_they_should(tmp_path, monkeypatch):
    """An include upward, an endpoint in a sans-I/O file and a clock read are each found."""
    import test_layering as me

    root = tmp_path
    (root / "docs").mkdir()
    (root / "docs" / "architecture.md").write_text(
        "## Layers\n```\n   session     s\n   protocol    p\n   transport   t\n   core        c\n```\n"
    )
    inc = root / "cpp" / "include" / "theta_net"
    for module in ("core", "protocol", "session", "transport"):
        (inc / module).mkdir(parents=True)
    (root / "cpp" / "src").mkdir(parents=True)
    (inc / "core" / "up.hpp").write_text('#include "theta_net/protocol/frame.hpp"\n')
    (inc / "protocol" / "net.hpp").write_text('#include "theta_net/transport/sim_net.hpp"\n')
    (inc / "session" / "game.hpp").write_text('#include "theta_net/transport/endpoint.hpp"\n')
    (inc / "session" / "client_driver.hpp").write_text('#include "theta_net/transport/endpoint.hpp"\n')
    (inc / "protocol" / "time.hpp").write_text("auto t = std::chrono::steady_clock::now();\n")
    monkeypatch.setattr(me, "REPO", root)
    problems = me.module_problems(me.layer_order())
    assert len(problems) == 3, problems
    assert any("core/up.hpp includes protocol/frame.hpp: protocol is above core" in p for p in problems)
    assert any("protocol/net.hpp includes transport/sim_net.hpp" in p for p in problems)
    assert any("session/game.hpp includes transport/endpoint.hpp" in p for p in problems)
    clocks = me.clock_problems()
    assert len(clocks) == 1 and "protocol/time.hpp:1: reads steady_clock" in clocks[0]


# The reference voxel game's own files: a game on the public API (examples/arena) uses none of them.
REFERENCE_GAME = re.compile(
    r"^(sim|world)/|^session/(game_|server_world|local_session|client_partition|editor_relay)"
    r"|^replication/reference_components|^netcode/(prediction|input_jitter_buffer|interpolator)\.hpp"
)
ANY_INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def arena_problems(folder) -> list:
    """What in `folder` is not the generic public API: a theta_net header included as a project
    file rather than an installed one, or one of the reference game's."""
    problems = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".hpp", ".cpp"):
            continue
        for bracket, header in ANY_INCLUDE.findall(path.read_text()):
            if not header.startswith("theta_net/"):
                continue
            where = f"{path.name} includes {header}"
            if bracket != "<":
                problems.append(f"{where} as a project file (an installed header takes <>)")
            if REFERENCE_GAME.search(header.removeprefix("theta_net/")):
                problems.append(f"{where}: the reference game's, not the generic API")
    return problems


def test_the_arena_uses_only_the_generic_public_api():
    folder = REPO / "examples" / "arena"
    assert list(folder.glob("*.cpp")), "examples/arena has no sources"
    assert arena_problems(folder) == []


def test_the_arena_check_catches_the_reference_game(tmp_path):
    (tmp_path / "a.cpp").write_text(
        '#include <theta_net/sim/movement.hpp>\n#include "theta_net/netcode/predictor.hpp"\n'
        "#include <theta_net/session/game_server.hpp>\n#include <theta_net/netcode/prediction.hpp>\n"
        "#include <theta_net/netcode/predictor.hpp>\n#include <vector>\n"
    )
    problems = arena_problems(tmp_path)
    assert len(problems) == 4, problems
    assert any("sim/movement.hpp" in p for p in problems)
    assert any("as a project file" in p for p in problems)
