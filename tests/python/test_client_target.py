"""theta_net::client holds no code of the reference game.

cpp/client_sources.txt names the client library's sources; cpp/CMakeLists.txt reads the same file,
so this test and the build cannot disagree about membership. The test follows every client
source's includes, transitively, and fails on a header of the game (the world, codec, sim, netcode
and replay modules, the game's session files, its replicated components) and on a header whose
.cpp is compiled only into theta_net (the client would not link without it). The link itself is
checked by the packaging.client_whole_archive ctest. Standard library only: it reads files as text.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO

GAME_MODULES = {"world", "codec", "sim", "netcode", "replay"}
GAME_FILES = re.compile(
    r"^(session/(game_\w+|server_world|local_session|replay_runner|metrics_report|reference_game\w*)"
    r"|replication/reference_components)$"
)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_entries(root: Path) -> list:
    """The non-comment lines of cpp/client_sources.txt."""
    lines = (root / "cpp" / "client_sources.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def client_sources(root: Path) -> list:
    """The client library's .cpp files, by the rule cpp/CMakeLists.txt applies."""
    src = root / "cpp" / "src"
    chosen, left_out = [], set()
    for entry in read_entries(root):
        if entry.startswith("!"):
            left_out.add(src / entry[1:])
        elif entry.endswith("/"):
            chosen.extend(sorted((src / entry).rglob("*.cpp")))
        else:
            chosen.append(src / entry)
    return sorted(set(chosen) - left_out)


def key(path: Path, root: Path) -> str:
    """'module/stem' of a header or source under cpp/include/theta_net or cpp/src."""
    for base in (root / "cpp" / "include" / "theta_net", root / "cpp" / "src"):
        if path.is_relative_to(base):
            return path.relative_to(base).with_suffix("").as_posix()
    return path.as_posix()


def shown(path: Path, root: Path) -> str:
    """A header as it is included (core/a.hpp), a source by its path (src/core/a.cpp)."""
    include_dir = root / "cpp" / "include" / "theta_net"
    if path.is_relative_to(include_dir):
        return path.relative_to(include_dir).as_posix()
    return path.relative_to(root / "cpp").as_posix()


def why_not_client(name: str, root: Path, sources: set) -> str | None:
    """Why 'module/stem' does not belong in the client, or None when it may."""
    module = name.split("/", 1)[0]
    if module in GAME_MODULES:
        return f"{module}/ is a module of the game"
    if GAME_FILES.match(name):
        return "it is the reference game's"
    code = root / "cpp" / "src" / f"{name}.cpp"
    if code.exists() and code not in sources:
        return f"its code, cpp/src/{name}.cpp, is only in theta_net"
    return None


def problems(root: Path) -> list:
    """Every client source, and every header it reaches, that the client may not hold."""
    include_dir = root / "cpp" / "include"
    sources = set(client_sources(root))
    found = []
    for source in sorted(sources):
        chain = {source: [shown(source, root)]}
        todo = [source]
        while todo:
            path = todo.pop()
            reason = why_not_client(key(path, root), root, sources)
            if reason:
                found.append(f"{' -> '.join(chain[path])}: {reason}")
                continue
            if not path.exists():
                continue  # generated at build time (messages.hpp, version.hpp): checked by name only
            for included in INCLUDE.findall(path.read_text()):
                if included.startswith("theta_net/"):
                    target = include_dir / included
                else:
                    target = path.parent / included
                if target not in chain:
                    chain[target] = chain[path] + [shown(target, root)]
                    todo.append(target)
    return found


def test_every_entry_names_an_existing_folder_or_file():
    src = REPO / "cpp" / "src"
    for entry in read_entries(REPO):
        path = src / entry.lstrip("!")
        assert path.is_dir() if entry.endswith("/") else path.is_file(), f"client_sources.txt: {entry}"


def test_the_client_holds_the_modules_a_game_client_needs():
    sources = {key(p, REPO) for p in client_sources(REPO)}
    for module in ("core", "protocol", "transport", "data"):
        assert f"{module}/" in read_entries(REPO), f"{module}/ is not in the client"
    for piece in ("session_client", "connection_lanes", "transmit", "client_driver"):
        assert f"session/{piece}" in sources


def test_no_client_source_reaches_the_game_or_code_only_in_theta_net():
    found = problems(REPO)
    assert not found, "theta_net_client reaches the game:\n" + "\n".join(found)


def make_tree(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_check_finds_a_game_header_two_includes_away(tmp_path):
    make_tree(
        tmp_path,
        {
            "cpp/client_sources.txt": "# client\ncore/\n",
            "cpp/src/core/a.cpp": '#include "theta_net/core/a.hpp"\n',
            "cpp/include/theta_net/core/a.hpp": '#include "theta_net/core/b.hpp"\n',
            "cpp/include/theta_net/core/b.hpp": '#include "theta_net/world/block.hpp"\n',
        },
    )
    assert problems(tmp_path) == [
        "src/core/a.cpp -> core/a.hpp -> core/b.hpp -> world/block.hpp: world/ is a module of the game"
    ]


def test_the_check_finds_a_header_whose_code_is_left_out(tmp_path):
    make_tree(
        tmp_path,
        {
            "cpp/client_sources.txt": "core/\nsession/session_client.cpp\n!core/only_server.cpp\n",
            "cpp/src/core/a.cpp": '#include "theta_net/core/only_server.hpp"\n',
            "cpp/src/core/only_server.cpp": "",
            "cpp/include/theta_net/core/only_server.hpp": "",
            "cpp/src/session/session_client.cpp": '#include "theta_net/session/game_client.hpp"\n',
        },
    )
    assert problems(tmp_path) == [
        "src/core/a.cpp -> core/only_server.hpp: its code, cpp/src/core/only_server.cpp, is only in "
        "theta_net",
        "src/session/session_client.cpp -> session/game_client.hpp: it is the reference game's",
    ]
