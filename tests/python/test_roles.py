"""Roles that hold and session control from Python: the permission table as the C++ build has it,
an admin's kick, ban and role change through theta_net.Client over SimNet, and the contract
`theta-net serve --token T:viewer --events FILE`: a viewer through `theta-net connect` cannot place
a block (its refusals are permission_denied events in FILE) while an editor can."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import theta_net
from theta_net import protocol
from theta_net import transport as t


def test_the_permission_table_is_the_builds():
    table = protocol.permissions()
    assert set(table) == {"viewer", "player", "editor", "admin"}
    assert "InputBundle" not in table["viewer"]["messages"]
    assert "ChatMessage" not in table["viewer"]["messages"]
    assert {"InputBundle", "ChatMessage"} <= set(table["player"]["messages"])
    assert "DataWrite" in table["editor"]["messages"] and table["editor"]["commands"] == ["data_write"]
    assert "SessionControl" in table["admin"]["messages"]
    assert table["viewer"]["since"] == (1, 3)
    # The manifest (generated from the schema) and the C++ functions agree with it.
    manifest = {row["role"]: row for row in protocol.manifest()["permissions"]}
    for role, row in table.items():
        assert sorted(manifest[role]["messages"]) == sorted(row["messages"])
        for name in protocol.message_types():
            assert protocol.role_may_send(role, name) == (name in row["messages"]), (role, name)
    assert protocol.role_may_command("editor", 300) and not protocol.role_may_command("player", 1)


def test_a_signed_control_verifies_under_its_key_only():
    admin = protocol.KeyPair.from_seed(bytes(range(32)))
    assert admin.public_key == protocol.KeyPair.from_seed(bytes(range(32))).public_key
    control = protocol.signed_session_control(admin, "ban", 7, 1, reason="x", ban_seconds=60)
    assert control["action"] == "ban" and len(control["signature"]) == 64
    other = protocol.KeyPair.generate()
    assert not protocol.ed25519_verify(other.public_key, b"anything", control["signature"])


class SimGame:
    """A Server with role tokens and Clients over SimNet, stepped together."""

    def __init__(self):
        self.net = t.SimNet(9)
        self.server_end = self.net.add_endpoint("server")
        self.server = theta_net.Server(
            self.server_end,
            seed=3,
            view_radius=1,
            tokens={"look": "viewer", "build": "editor", "root": "admin"},
        )
        self.clients = []
        self.now = 0.0

    def add(self, name, token, key=None):
        end = self.net.add_endpoint(name)
        self.net.set_links(self.server_end, end, t.LinkConfig())
        end.connect(self.server_end)
        client = theta_net.Client(end, name, token=token, key=key)
        self.clients.append(client)
        return client

    def run(self, seconds):
        for _ in range(int(seconds / 0.005)):
            self.now += 0.005
            self.net.advance_to(self.now)
            self.server.step(self.now)
            for c in self.clients:
                c.step(self.now)


def test_an_admin_changes_a_role_kicks_and_bans_from_python():
    game = SimGame()
    admin = game.add("admin", "root")
    target_key = protocol.KeyPair.from_seed(bytes([7]) * 32)
    target = game.add("target", "build", key=target_key)
    game.run(2.0)
    assert admin.role == "admin" and target.role == "editor"
    assert target.public_key == target_key.public_key
    assert {s["name"]: s["role"] for s in game.server.sessions} == {"admin": "admin", "target": "editor"}

    # A viewer now: its block is refused and the world does not change.
    seq = admin.set_role(target.session_id, "viewer", "watch for a while")
    game.run(0.5)
    assert admin.control_results() == [
        {
            "sequence": seq,
            "accepted": True,
            "text": f"gave session 0x{target.session_id:016x} ('target') the role viewer",
        }
    ]
    assert target.role == "viewer"
    x, y, z = (int(v // 1) for v in target.player["position"])
    target.intent(place=(x, y - 1, z + 2), block="planks")
    game.run(1.0)
    assert game.server.block(x, y, z + 2) == 0
    denied = target.permission_denials()
    assert [d["message"] for d in denied] == ["InputBundle"] and denied[0]["role"] == "viewer"

    # Kicked: the target is closed and its player leaves.
    admin.kick(target.session_id, "enough")
    game.run(0.5)
    assert admin.control_results()[0]["accepted"]
    assert not target.established and target.session_id is None
    assert [p["name"] for p in game.server.players] == ["admin"]

    # Back with the same key as a new session, then banned: the key cannot return, a new one can.
    again = game.add("again", "build", key=target_key)
    game.run(1.0)
    assert again.established
    admin.ban(again.session_id, 0, "for good")
    game.run(0.5)
    assert admin.control_results()[0]["accepted"] and not again.established
    returning = game.add("returning", "build", key=target_key)
    stranger = game.add("stranger", "build")
    game.run(1.0)
    assert not returning.established and returning.metrics["connections"] == 0
    assert stranger.established


def _events(path):
    return [json.loads(line) for line in path.read_text().splitlines()[1:]]


def test_a_viewer_through_connect_cannot_place_a_block_an_editor_can(tmp_path):
    events = tmp_path / "events.jsonl"
    serve = subprocess.Popen(
        [sys.executable, "-m", "theta_net", "serve", "--port", "0", "--duration", "60"]
        + ["--terrain", "superflat", "--view-radius", "2"]
        + ["--token", "V:viewer", "--token", "E:editor", "--admin-token", "A", "--events", str(events)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        port = int(serve.stdout.readline().split("127.0.0.1:")[1].split()[0])

        def connect(name, token):
            return subprocess.Popen(
                [sys.executable, "-m", "theta_net", "connect", f"127.0.0.1:{port}", "--name", name]
                + ["--token", token, "--duration", "7", "--no-walk"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

        bots = {"viewer": connect("viewer", "V"), "editor": connect("editor", "E")}
        outputs = {name: bot.communicate(timeout=90)[0] for name, bot in bots.items()}
    finally:
        serve.send_signal(signal.SIGINT)
        log = serve.communicate(timeout=30)[0]
    for name, bot in bots.items():
        assert bot.returncode == 0, outputs[name]
    assert "messages refused for permission" in outputs["viewer"], outputs["viewer"]
    assert "the role viewer may not send InputBundle" in outputs["viewer"]
    assert "refused" not in outputs["editor"], outputs["editor"]
    assert "refused InputBundle (role viewer)" in log, log

    stream = _events(events)
    players = {e["name"]: e["entity"] for e in stream if e["kind"] == "join"}
    placed_by = {e["by"] for e in stream if e["kind"] == "block_edit" and e["after"] != 0}
    assert players["editor"] in placed_by, "the editor built"
    assert players["viewer"] not in placed_by, "the viewer did not"
    refused = [e for e in stream if e["kind"] == "permission_denied"]
    assert {(e["message"], e["role"]) for e in refused} == {
        ("InputBundle", "viewer"),
        ("ChatMessage", "viewer"),
    }
    assert all(e["entity"] == players["viewer"] for e in refused)
    assert not any(e["kind"] == "chat" and e["entity"] == players["viewer"] for e in stream)
